package dev.onebox.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The runtime shim baked into every sandbox (runtime/shim.mjs in the app's resources). */
public final class ShimResource {

    private ShimResource() {
    }

    public static byte[] bytes() {
        try (InputStream in = ShimResource.class.getResourceAsStream("/runtime/shim.mjs")) {
            if (in == null) {
                throw new IllegalStateException("runtime/shim.mjs is missing from the app's resources");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
