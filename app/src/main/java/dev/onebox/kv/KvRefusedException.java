package dev.onebox.kv;

/**
 * A KV call the script gets back as an error with this message: bad input, a full store, a limit.
 * It extends IllegalArgumentException because that is what the runtime hands to the script as is.
 */
class KvRefusedException extends IllegalArgumentException {

    KvRefusedException(String message) {
        super(message);
    }
}
