package dev.onebox.runtime.channel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The table that checks header names and methods from a sandbox accepts exactly RFC 9110's tokens. */
class ShimFramesTokenTest {

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}");

    @Test
    void acceptsWhatTheTokenGrammarAcceptsAndNothingElse() {
        List<String> names = new ArrayList<>(List.of("", "x-own", "Content-Type", "a".repeat(256), "a".repeat(257),
                "set-cookie\r\nx", "na me", "naïve", "x:y", "x\0", "GET", "(x)"));
        for (char c = 0; c < 512; c++) {
            names.add(String.valueOf(c));
            names.add("x" + c + "y");
        }
        for (String name : names) {
            assertThat(ShimFrames.isToken(name)).as("%s", name.chars().boxed().toList()).isEqualTo(TOKEN.matcher(name).matches());
        }
    }
}
