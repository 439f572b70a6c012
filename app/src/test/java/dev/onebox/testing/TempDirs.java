package dev.onebox.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class TempDirs {

    private TempDirs() {
    }

    /** A fresh directory under which the app creates its data directory itself. */
    public static Path dataDir() {
        try {
            return Files.createTempDirectory("onebox-test").resolve("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
