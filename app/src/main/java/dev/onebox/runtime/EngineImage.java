package dev.onebox.runtime;

/** An image as the engine lists it: its reference and the script it was built for. */
public record EngineImage(String ref, String script) {
}
