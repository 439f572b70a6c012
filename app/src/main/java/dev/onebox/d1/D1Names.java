package dev.onebox.d1;

import java.util.regex.Pattern;

/**
 * A D1 database's {@code database_name}: it names the database's file, so only letters, digits,
 * {@code -} and {@code _}, starting with a letter or digit, at most 64 characters.
 */
public final class D1Names {

    private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$");

    private D1Names() {
    }

    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The name, or a D1 error that says what a name may be. */
    public static String check(String name) {
        if (!valid(name)) {
            throw D1Exception.error("a D1 database_name is 1-64 letters, digits, '-' or '_', starting with a letter or digit");
        }
        return name;
    }
}
