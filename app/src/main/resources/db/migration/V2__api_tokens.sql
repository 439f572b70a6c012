CREATE TABLE api_token (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    -- 'bootstrap' (from ONEBOX_ADMIN_TOKEN or the admin-token file) or 'user'
    kind         TEXT    NOT NULL,
    -- SHA-256 of the token; the token itself is shown once and never stored
    token_hash   TEXT    NOT NULL UNIQUE,
    -- the first characters of the token, so a person can tell tokens apart
    hint         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE INDEX api_token_active ON api_token (revoked_at);
