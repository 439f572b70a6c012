package dev.onebox.kv;

/** What one script's KV store holds: its number of keys and the bytes of its keys and values together. */
record KvUsage(long keys, long bytes) {
}
