-- Queues: every message of every queue, durable until a consumer acks it.
-- state: ready (visible_at = not before, so a delayed message is ready with a future visible_at),
-- in_flight (visible_at = when its lease runs out and it is visible again), failed (kept with
-- its last error once its retries ran out and its consumer has no dead-letter queue).
CREATE TABLE queue_message (
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    queue        TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    -- json, text, bytes, v8
    content_type TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    visible_at   INTEGER NOT NULL,
    last_error   TEXT,
    -- the queue a dead-lettered message came from; redrive sends it back there
    origin       TEXT
);

CREATE INDEX queue_message_next ON queue_message (queue, state, visible_at, seq);
CREATE INDEX queue_message_by_state ON queue_message (state, visible_at);

-- Queues exist once a script names them (producer, consumer or dead-letter queue) or a message is sent from outside.
CREATE TABLE queue (
    name       TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL
);

-- Async invokes: an Idempotency-Key gives the same run for 24 hours.
CREATE TABLE invoke_key (
    script     TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    run_id     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (script, key)
);
