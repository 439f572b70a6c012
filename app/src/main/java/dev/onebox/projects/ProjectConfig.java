package dev.onebox.projects;

import io.micronaut.core.annotation.Nullable;

import java.util.List;
import java.util.Map;

/**
 * What onebox takes from a wrangler config, still as declared (the deploy checks the bindings
 * with the rules of the single-file body), plus the warnings for keys it does not support.
 *
 * @param file       the config's file name, for messages
 * @param queuesJson the {@code queues} table as JSON (producers, consumers), read with the single-file body's shape
 */
record ProjectConfig(String file, @Nullable String name, String main, @Nullable String compatibilityDate,
                     List<String> compatibilityFlags, Map<String, Object> vars, List<Kv> kvNamespaces,
                     List<D1> d1Databases, List<String> crons, @Nullable Assets assets, List<String> routes,
                     @Nullable Integer cpuMs, @Nullable String queuesJson, List<String> warnings) {

    boolean nodejsCompat() {
        return compatibilityFlags.contains("nodejs_compat") || compatibilityFlags.contains("nodejs_compat_v2");
    }

    record Kv(@Nullable String binding, @Nullable String id) {
    }

    record D1(@Nullable String binding, @Nullable String databaseName, @Nullable String databaseId,
              @Nullable String migrationsDir) {
    }

    /** Workers Static Assets: {@code directory} relative to the project folder. */
    record Assets(String directory, @Nullable String binding, String notFoundHandling, String htmlHandling,
                  boolean runWorkerFirst) {
    }
}
