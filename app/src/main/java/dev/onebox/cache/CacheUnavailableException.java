package dev.onebox.cache;

public final class CacheUnavailableException extends RuntimeException {

    CacheUnavailableException(String message) {
        super(message, null, false, false);
    }
}
