package dev.onebox.assets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class AssetPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"index.html", "css/site.css", "a b/c.txt", ".well-known/security.txt", "404.html", "über.txt"})
    void plainRelativeNamesMayBeStored(String name) {
        assertThat(AssetPath.isSafeName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "../secret", "a/../../b", "a/./b", ".", "..", "a//b", "a/", "a\\b", "a\u0000b",
            "a\nb", "C:x", "a/\u007f"})
    void namesThatClimbOrMeanTwoThingsAreRefused(String name) {
        assertThat(AssetPath.isSafeName(name)).isFalse();
    }

    @Test
    void aNameTooLongForAFileSystemIsRefused() {
        assertThat(AssetPath.isSafeName("a".repeat(256))).isFalse();
        assertThat(AssetPath.isSafeName(("a".repeat(200) + "/").repeat(6) + "b")).isFalse();
    }

    @Test
    void requestPathsAreDecodedOnce() {
        assertThat(AssetPath.ofRequest("/")).hasValue("/");
        assertThat(AssetPath.ofRequest("/a%20b/c.txt")).hasValue("/a b/c.txt");
        assertThat(AssetPath.ofRequest("/docs/")).hasValue("/docs/");
        assertThat(AssetPath.ofRequest("/%C3%BCber.txt")).hasValue("/über.txt");
        assertThat(AssetPath.ofRequest("/%252e%252e/x")).as("decoded once: '%2e%2e' is a plain name").hasValue("/%2e%2e/x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../secret", "/a/../../b", "/%2e%2e/secret", "/%2E%2E/secret", "/.%2e/secret", "/a/%2e/b",
            "/a%2fb", "/a%5cb", "/a%00b", "/a\\b", "//etc/passwd", "/a//b", "/%zz", "/%c3", "/%ff", "relative", "", "/x/."})
    void pathsThatCouldEscapeNeverNameAnAsset(String raw) {
        assertThat(AssetPath.ofRequest(raw)).isEmpty();
    }
}
