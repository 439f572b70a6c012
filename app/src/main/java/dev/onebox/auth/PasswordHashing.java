package dev.onebox.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;

import java.nio.charset.StandardCharsets;

/**
 * bcrypt at cost 12 (about a quarter of a second per check here): slow enough that a stolen
 * database does not give the password away, fast enough for a login. bcrypt reads at most 72
 * bytes, so longer passwords are refused rather than silently cut.
 */
final class PasswordHashing {

    static final int COST = 12;
    static final int MAX_BYTES = 72;

    private PasswordHashing() {
    }

    static String hash(String password) {
        return new String(BCrypt.withDefaults().hash(COST, bytes(password)), StandardCharsets.US_ASCII);
    }

    static boolean matches(String password, String hash) {
        byte[] given = bytes(password);
        return given.length <= MAX_BYTES && BCrypt.verifyer().verify(given, hash.getBytes(StandardCharsets.US_ASCII)).verified;
    }

    static boolean tooLong(String password) {
        return bytes(password).length > MAX_BYTES;
    }

    private static byte[] bytes(String password) {
        return password.getBytes(StandardCharsets.UTF_8);
    }
}
