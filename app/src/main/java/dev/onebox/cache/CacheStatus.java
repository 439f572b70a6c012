package dev.onebox.cache;

/**
 * @param mode      {@code redis} or {@code in-process}
 * @param available whether commands reach the cache right now
 * @param detail    a sentence for the health page
 */
public record CacheStatus(String mode, boolean available, String detail) {
}
