CREATE TABLE script (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    -- the version serving traffic; NULL until a version is ready
    current_version INTEGER,
    latest_version  INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Versions are immutable once built: a deploy adds a row, a rollback moves script.current_version.
CREATE TABLE script_version (
    id           INTEGER PRIMARY KEY,
    script_id    INTEGER NOT NULL REFERENCES script (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    source       TEXT    NOT NULL,
    -- JSON objects
    dependencies TEXT    NOT NULL,
    settings     TEXT    NOT NULL,
    -- building, ready, failed
    status       TEXT    NOT NULL,
    image_id     TEXT,
    error        TEXT,
    build_log    TEXT,
    created_at   INTEGER NOT NULL,
    ready_at     INTEGER,
    UNIQUE (script_id, version)
);

CREATE TABLE run (
    id             TEXT    PRIMARY KEY,
    script_name    TEXT    NOT NULL,
    version        INTEGER,
    -- http, cron, manual, try
    trigger        TEXT    NOT NULL,
    -- queued, running, succeeded, failed, timeout, oom, killed
    status         TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    duration_ms    INTEGER,
    http_status    INTEGER,
    logs           TEXT,
    logs_truncated INTEGER NOT NULL DEFAULT 0,
    error          TEXT
);

CREATE INDEX run_by_script ON run (script_name, created_at);
CREATE INDEX run_by_status ON run (status);
