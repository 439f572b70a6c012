-- A script may have several cron schedules (a project's triggers.crons), each with its own next
-- slot: one row per script and cron expression. SQLite cannot change a primary key in place.
CREATE TABLE schedule_per_cron (
    script        TEXT    NOT NULL,
    cron          TEXT    NOT NULL,
    timezone      TEXT    NOT NULL,
    allow_overlap INTEGER NOT NULL DEFAULT 0,
    next_fire_at  INTEGER NOT NULL,
    last_fire_at  INTEGER,
    PRIMARY KEY (script, cron)
);

INSERT INTO schedule_per_cron (script, cron, timezone, allow_overlap, next_fire_at, last_fire_at)
    SELECT script, cron, timezone, allow_overlap, next_fire_at, last_fire_at FROM schedule;

DROP TABLE schedule;

ALTER TABLE schedule_per_cron RENAME TO schedule;

CREATE INDEX schedule_due ON schedule (next_fire_at);
