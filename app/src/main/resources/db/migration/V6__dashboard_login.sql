-- The dashboard's one user, admin. Only a bcrypt hash of the password is kept.
CREATE TABLE admin_password (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    hash       TEXT    NOT NULL,
    -- where the password came from: 'env' (ONEBOX_ADMIN_PASSWORD), 'file' (the generated
    -- admin-password file) or 'dashboard' (changed by the admin)
    source     TEXT    NOT NULL,
    changed_at INTEGER NOT NULL
);

-- Signed-in browsers. The cookie holds a random value; only its SHA-256 is stored, so a copy
-- of the database signs nobody in. Each session carries its own CSRF token.
CREATE TABLE dashboard_session (
    id_hash      TEXT    PRIMARY KEY,
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE INDEX dashboard_session_expiry ON dashboard_session (expires_at);
