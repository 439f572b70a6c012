package dev.onebox.runs;

import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every form of a secret a script could print is hidden; short values and other text are left alone. */
class RedactorTest {

    private static final String SECRET = "p@ss word/with+signs?";
    private final Redactor redactor = Redactor.of(List.of(SECRET));

    @Test
    void theValueItselfIsHiddenWhereverItAppears() {
        assertThat(redactor.redact("key=" + SECRET + " and again " + SECRET + "."))
                .isEqualTo("key=[redacted] and again [redacted].");
    }

    @Test
    void itsBase64AndUrlEncodedFormsAreHiddenToo() {
        byte[] bytes = SECRET.getBytes(StandardCharsets.UTF_8);
        String base64 = Base64.getEncoder().encodeToString(bytes);
        String base64Url = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String formEncoded = URLEncoder.encode(SECRET, StandardCharsets.UTF_8);
        String percent20 = formEncoded.replace("+", "%20");

        for (String form : List.of(base64, base64.replace("=", ""), base64Url, formEncoded, percent20)) {
            assertThat(redactor.redact("Authorization: Basic " + form + ";")).as(form)
                    .isEqualTo("Authorization: Basic " + Redactor.MARK + ";");
        }
    }

    @Test
    void aValueSplitAcrossTwoPrintsIsHiddenOnBothSides() {
        String[] pieces = redactor.acrossBoundary("token: " + SECRET.substring(0, 7), SECRET.substring(7) + " end");

        assertThat(pieces).containsExactly("token: " + Redactor.MARK, Redactor.MARK + " end");
        assertThat(String.join("", pieces)).doesNotContain(SECRET.substring(0, 7)).doesNotContain(SECRET.substring(7));
    }

    @Test
    void textWithoutSecretsAndPiecesThatDoNotJoinIntoOneStayAsTheyAre() {
        assertThat(redactor.redact("nothing to see here")).isEqualTo("nothing to see here");
        assertThat(Arrays.asList(redactor.acrossBoundary("ends with p@", "not the rest"))).containsExactly("ends with p@", "not the rest");
    }

    @Test
    void valuesShorterThanTheMinimumAreNotRedactedOrEveryLogWouldBeShredded() {
        Redactor shortValues = Redactor.of(List.of("abc", "x"));

        assertThat(shortValues.redact("abc x abcdef")).isEqualTo("abc x abcdef");
        assertThat(Redactor.of(List.of("abcd")).redact("abcdef")).isEqualTo(Redactor.MARK + "ef");
    }

    @Test
    void theLongestFormWinsSoNoPieceOfALongerSecretIsLeftBehind() {
        Redactor nested = Redactor.of(List.of("alpha", "alpha-beta-gamma"));

        assertThat(nested.redact("alpha-beta-gamma")).isEqualTo(Redactor.MARK);
        assertThat(Redactor.NONE.redact(SECRET)).isEqualTo(SECRET);
        assertThat(redactor.redact(null)).isNull();
    }
}
