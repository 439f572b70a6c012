-- Runs per script, per minute, per trigger and status: the charts and their percentiles read
-- this, not the run table, so they stay fast and survive run pruning. Kept 30 days.
-- Durations are counted in fixed buckets (upper bounds in ms, see observe.DurationBuckets):
-- d_le_<bound> counts runs with duration <= bound and > the previous bound; d_inf the rest.
CREATE TABLE run_minute (
    script_name TEXT    NOT NULL,
    -- epoch milliseconds of the minute's start
    minute      INTEGER NOT NULL,
    trigger     TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    runs        INTEGER NOT NULL,
    cold_starts INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    d_le_5      INTEGER NOT NULL,
    d_le_10     INTEGER NOT NULL,
    d_le_25     INTEGER NOT NULL,
    d_le_50     INTEGER NOT NULL,
    d_le_100    INTEGER NOT NULL,
    d_le_250    INTEGER NOT NULL,
    d_le_500    INTEGER NOT NULL,
    d_le_1000   INTEGER NOT NULL,
    d_le_2500   INTEGER NOT NULL,
    d_le_5000   INTEGER NOT NULL,
    d_le_10000  INTEGER NOT NULL,
    d_le_30000  INTEGER NOT NULL,
    d_le_60000  INTEGER NOT NULL,
    d_inf       INTEGER NOT NULL,
    PRIMARY KEY (script_name, minute, trigger, status)
) WITHOUT ROWID;

CREATE INDEX run_minute_by_minute ON run_minute (minute);

-- Messages waiting per queue, sampled once a minute where queues exist.
CREATE TABLE queue_depth_minute (
    queue_name TEXT    NOT NULL,
    minute     INTEGER NOT NULL,
    depth      INTEGER NOT NULL,
    PRIMARY KEY (queue_name, minute)
) WITHOUT ROWID;

CREATE INDEX queue_depth_minute_by_minute ON queue_depth_minute (minute);
