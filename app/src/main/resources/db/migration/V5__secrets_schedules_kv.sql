-- Secret values are AES-256-GCM ciphertexts (base64 of nonce || ciphertext) under the master
-- key outside the database; key_id says which key, so a wrong key is noticed before use.
CREATE TABLE secret (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    -- '' for a global secret, else the script it belongs to
    scope      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    key_id     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (scope, name)
);

-- One row per scheduled script; next_fire_at is written before a slot fires, so a slot fires
-- once even across restarts.
CREATE TABLE schedule (
    script        TEXT    PRIMARY KEY,
    cron          TEXT    NOT NULL,
    timezone      TEXT    NOT NULL,
    allow_overlap INTEGER NOT NULL DEFAULT 0,
    next_fire_at  INTEGER NOT NULL,
    last_fire_at  INTEGER
);

CREATE INDEX schedule_due ON schedule (next_fire_at);

CREATE TABLE kv (
    script     TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    -- epoch milliseconds; NULL: never expires
    expires_at INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (script, key)
);

CREATE INDEX kv_expiry ON kv (expires_at);
