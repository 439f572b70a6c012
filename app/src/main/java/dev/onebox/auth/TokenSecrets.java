package dev.onebox.auth;

import dev.onebox.platform.Sha256;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Tokens carry 256 random bits, so a fast hash is enough to store them safely (a slow KDF
 * protects guessable passwords, not random keys) and keeps every request's check cheap.
 */
final class TokenSecrets {

    static final String PREFIX = "obx_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenSecrets() {
    }

    static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hash(String token) {
        return Sha256.hex(token.getBytes(StandardCharsets.UTF_8));
    }

    /** Enough of the token for a person to tell tokens apart, not enough to guess it. */
    static String hint(String token) {
        return token.substring(0, Math.min(token.length(), PREFIX.length() + 4)) + "…";
    }
}
