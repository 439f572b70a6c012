-- A project version's source files (wrangler config, package.json, sources), kept for its
-- rebuild and shown read-only in the dashboard; assets live on disk, node_modules nowhere.
CREATE TABLE project_version (
    version_id  INTEGER PRIMARY KEY REFERENCES script_version (id) ON DELETE CASCADE,
    main        TEXT    NOT NULL,
    config_file TEXT    NOT NULL
);

CREATE TABLE project_file (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES project_version (version_id) ON DELETE CASCADE,
    path       TEXT    NOT NULL,
    content    BLOB    NOT NULL,
    size       INTEGER NOT NULL,
    UNIQUE (version_id, path)
);
