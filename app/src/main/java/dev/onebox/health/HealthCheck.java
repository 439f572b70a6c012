package dev.onebox.health;

/** One part of the app whose state {@code /health} reports. */
public interface HealthCheck {

    /** The key under {@code checks} in the health answer. */
    String name();

    ComponentHealth check();
}
