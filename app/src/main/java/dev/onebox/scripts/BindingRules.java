package dev.onebox.scripts;

import dev.onebox.runtime.Binding;
import dev.onebox.runtime.Bindings;
import dev.onebox.http.ApiException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The limits for vars and bindings (README.md, Bindings), with the errors users see; the same for
 * a single-file deploy body and a project's wrangler config.
 */
public final class BindingRules {

    /** A name a script reads as {@code env.NAME}: a JavaScript identifier. */
    static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_$][A-Za-z0-9_$]{0,63}$");
    static final Pattern KV_ID = Pattern.compile("^[A-Za-z0-9_-]{1,64}$");
    static final Pattern DATABASE_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$");
    /** Cloudflare's rule for queue names. */
    static final Pattern QUEUE_NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    static final int MAX_VARS = 64;
    /** Cloudflare's limit for one environment variable. */
    static final int MAX_VAR_BYTES = 5 * 1024;
    static final int MAX_BINDINGS = 64;

    private BindingRules() {
    }

    public static Bindings check(BindingDeclarations declared) {
        Set<String> names = new HashSet<>();
        Map<String, String> vars = vars(declared.vars(), names);
        List<Binding> list = new ArrayList<>();
        for (BindingDeclarations.Kv kv : orEmpty(declared.kvNamespaces())) {
            String name = envName(kv.binding(), "kv_namespaces", names);
            list.add(new Binding(name, Binding.Type.KV, matching(kv.id(), KV_ID, "kv_namespaces", name, "id",
                    "1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'")));
        }
        for (BindingDeclarations.D1 d1 : orEmpty(declared.d1Databases())) {
            String name = envName(d1.binding(), "d1_databases", names);
            list.add(new Binding(name, Binding.Type.D1, matching(d1.databaseName(), DATABASE_NAME, "d1_databases", name,
                    "database_name", "1 to 63 characters of A-Z, a-z, 0-9, '_' and '-', starting with a letter or digit")));
        }
        if (declared.queues() != null) {
            for (BindingDeclarations.QueueProducer producer : orEmpty(declared.queues().producers())) {
                String name = envName(producer.binding(), "queues.producers", names);
                list.add(new Binding(name, Binding.Type.QUEUE, matching(producer.queue(), QUEUE_NAME, "queues.producers", name,
                        "queue", "1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit")));
            }
        }
        if (list.size() > MAX_BINDINGS) {
            throw invalid("A version has at most " + MAX_BINDINGS + " bindings.");
        }
        return new Bindings(vars, list);
    }

    private static Map<String, String> vars(Map<String, Object> declared, Set<String> names) {
        if (declared == null) {
            return Map.of();
        }
        if (declared.size() > MAX_VARS) {
            throw invalid("A version has at most " + MAX_VARS + " vars.");
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : declared.entrySet()) {
            String name = envName(entry.getKey(), "vars", names);
            String value = varText(name, entry.getValue());
            if (value.getBytes(StandardCharsets.UTF_8).length > MAX_VAR_BYTES) {
                throw invalid("vars." + name + " is longer than " + MAX_VAR_BYTES / 1024 + " KiB.");
            }
            vars.put(name, value);
        }
        return vars;
    }

    /** Scripts read vars as strings, as onebox passes secrets. */
    private static String varText(String name, Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return String.valueOf(value);
        }
        throw invalid("vars." + name + " is a JSON object or list: onebox vars are strings, numbers or booleans"
                + " (store JSON as a string and parse it in the script).");
    }

    private static String envName(String name, String section, Set<String> names) {
        if (name == null || !ENV_NAME.matcher(name).matches()) {
            throw invalid("In " + section + ", '" + (name == null ? "" : name)
                    + "' is not a binding name: use a JavaScript identifier of at most 64 characters.");
        }
        if (!names.add(name)) {
            throw invalid("The name '" + name + "' is bound twice (in " + section + ").");
        }
        return name;
    }

    private static String matching(String value, Pattern pattern, String section, String binding, String field, String rule) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw invalid("In " + section + ", the " + field + " of '" + binding + "' must be " + rule + ".");
        }
        return value;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static ApiException invalid(String message) {
        return ApiException.badRequest("invalid_bindings", message);
    }
}
