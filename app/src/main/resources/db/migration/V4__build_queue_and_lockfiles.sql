-- The npm lockfile a version was built from, so a rebuild gives the same tree.
ALTER TABLE script_version ADD COLUMN lockfile TEXT;

-- Durable work: builds (and later cron runs) survive an app kill; a start re-queues or fails
-- what was running.
CREATE TABLE job (
    id          INTEGER PRIMARY KEY,
    -- build
    kind        TEXT    NOT NULL,
    -- for builds: script_version.id
    ref         INTEGER NOT NULL,
    -- queued, running, done, failed
    status      TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    error       TEXT
);

CREATE INDEX job_queue ON job (status, id);
