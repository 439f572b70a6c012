-- Instants are INTEGER epoch milliseconds throughout.
CREATE TABLE greeting (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- The exact number of greetings, kept in the same transaction as the inserts so a cache miss
-- costs one row read instead of a COUNT(*) scan.
CREATE TABLE greeting_total (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    total INTEGER NOT NULL
);

INSERT INTO greeting_total (id, total) VALUES (1, 0);
