-- KV quota bookkeeping: each row's size (key and value bytes, so empty values are not free) and
-- one usage row per script, moved by each write in the same transaction instead of a SUM per put.
ALTER TABLE kv ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;

UPDATE kv SET bytes = LENGTH(CAST(key AS BLOB)) + LENGTH(CAST(value AS BLOB));

CREATE TABLE kv_usage (
    script TEXT    PRIMARY KEY,
    keys   INTEGER NOT NULL,
    bytes  INTEGER NOT NULL
);

INSERT INTO kv_usage (script, keys, bytes) SELECT script, COUNT(*), SUM(bytes) FROM kv GROUP BY script;
