package dev.onebox.health;

import io.micronaut.serde.annotation.Serdeable;

/**
 * @param status {@code UP}, {@code DEGRADED} (the app serves, with less) or {@code DOWN} (it cannot)
 */
@Serdeable
public record ComponentHealth(String status, String detail) {

    public static ComponentHealth up(String detail) {
        return new ComponentHealth("UP", detail);
    }

    public static ComponentHealth degraded(String detail) {
        return new ComponentHealth("DEGRADED", detail);
    }

    public static ComponentHealth down(String detail) {
        return new ComponentHealth("DOWN", detail);
    }
}
