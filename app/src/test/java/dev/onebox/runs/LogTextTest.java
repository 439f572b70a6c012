package dev.onebox.runs;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which characters of a script's log text are made visible, and that escaping twice changes nothing. */
class LogTextTest {

    @Test
    void controlCharactersBecomeVisibleButLineFeedsAndTabsStay() {
        assertThat(LogText.escape("a\rb")).isEqualTo("a\\rb");
        assertThat(LogText.escape("\u001b[2J\u0007\u0000\u007f")).isEqualTo("\\x1b[2J\\x07\\x00\\x7f");
        assertThat(LogText.escape("c1\u0085\u009b31m")).isEqualTo("c1\\x85\\x9b31m");
        assertThat(LogText.escape("ls\u2028ps\u2029")).isEqualTo("ls\\u2028ps\\u2029");
        assertThat(LogText.escape("\u202egnp.exe")).isEqualTo("\\u202egnp.exe");
        assertThat(LogText.escape("two\nlines\tand a tab, ünïcödé, 😀")).isEqualTo("two\nlines\tand a tab, ünïcödé, 😀");
    }

    @Test
    void escapingTwiceChangesNothing() {
        String once = LogText.escape("x\r\u001b[0m\\r");
        assertThat(LogText.escape(once)).isEqualTo(once);
    }
}
