package dev.onebox.d1;

import dev.onebox.projects.ProjectMigrations;
import dev.onebox.http.ApiException;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * A project deploy's D1 migrations, applied before its version is stored: a failing file fails
 * the deploy with 400 naming the file and SQLite's message, and leaves the database as it was, so
 * the previous version keeps serving the data it knew.
 */
@Singleton
class D1ProjectMigrations implements ProjectMigrations {

    private final D1Migrations migrations;

    D1ProjectMigrations(D1Migrations migrations) {
        this.migrations = migrations;
    }

    @Override
    public void apply(String databaseName, List<File> files) {
        try {
            migrations.apply(databaseName, files.stream().map(file -> new D1Migrations.File(file.name(), file.sql())).toList());
        } catch (D1Migrations.FailedException e) {
            throw ApiException.badRequest("migration_failed", e.getMessage());
        }
    }
}
