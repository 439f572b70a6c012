package dev.onebox.d1;

import dev.onebox.OneboxConfig;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Every D1 database on the box: one SQLite file each, {@code <data dir>/d1/<name>.sqlite}, opened
 * by the app only (never mounted into a container) and kept open. Scripts naming the same
 * {@code database_name} share the database.
 */
@Singleton
public class D1Engine {

    static final String SUFFIX = ".sqlite";

    private final Path directory;
    private final D1Limits limits;
    private final Map<String, D1Database> open = new ConcurrentHashMap<>();

    @jakarta.inject.Inject
    D1Engine(OneboxConfig config, D1Limits limits) {
        this(config.dataDir().resolve("d1"), limits);
    }

    /** An engine over {@code directory}, for tools and tests that run without the application context. */
    public D1Engine(Path directory, D1Limits limits) {
        this.directory = directory;
        this.limits = limits;
    }

    public D1Limits limits() {
        return limits;
    }

    /** The database, made on first use. */
    public D1Database database(String name) {
        D1Names.check(name);
        return open.computeIfAbsent(name, n -> D1Database.open(n, directory.resolve(n + SUFFIX), limits));
    }

    /** The database when its file exists. */
    public Optional<D1Database> existing(String name) {
        if (!D1Names.valid(name) || (!open.containsKey(name) && !Files.isRegularFile(directory.resolve(name + SUFFIX)))) {
            return Optional.empty();
        }
        return Optional.of(database(name));
    }

    /** The names of the databases on the box, sorted. */
    public List<String> names() {
        List<String> names = new ArrayList<>(open.keySet());
        if (Files.isDirectory(directory)) {
            try (Stream<Path> files = Files.list(directory)) {
                files.map(file -> file.getFileName().toString()).filter(file -> file.endsWith(SUFFIX))
                        .map(file -> file.substring(0, file.length() - SUFFIX.length()))
                        .filter(D1Names::valid).filter(n -> !names.contains(n)).forEach(names::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        names.sort(null);
        return names;
    }

    @PreDestroy
    public void close() {
        open.values().forEach(D1Database::close);
        open.clear();
    }
}
