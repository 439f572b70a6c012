package dev.onebox.platform;

import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The release version and the versions of the dashboard's webjar assets, stamped in at build time. */
@Singleton
public class BuildInfo {

    private final Properties properties = new Properties();

    BuildInfo() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/onebox-build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String version() {
        return properties.getProperty("version", "development");
    }

    /** The version of a webjar the pages link to ({@code htmx}, {@code codemirror}, {@code pico}). */
    public String asset(String name) {
        return properties.getProperty(name, "");
    }
}
