package dev.onebox.projects;

import java.util.List;

/**
 * Applies a D1 database's migrations (the {@code migrations_dir} of a {@code d1_databases}
 * entry) at deploy, in file-name order, each at most once; the D1 feature implements it. A
 * failure throws (an {@code ApiException} naming the file), which fails the deploy before its
 * version exists, so the previous version keeps serving.
 */
public interface ProjectMigrations {

    void apply(String databaseName, List<File> files);

    record File(String name, String sql) {
    }
}
