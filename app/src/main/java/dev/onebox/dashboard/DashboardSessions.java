package dev.onebox.dashboard;

import dev.onebox.platform.Sha256;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Dashboard sign-ins, kept in SQLite so a restart or an upgrade does not sign anyone out and a
 * sign-out really ends the session. A session ends after 12 idle hours or 7 days at most.
 */
@Singleton
class DashboardSessions {

    static final Duration IDLE_LIMIT = Duration.ofHours(12);
    static final Duration LIFETIME = Duration.ofDays(7);
    /** Last-seen is written at most this often per session, not on every page. */
    private static final long TOUCH_EVERY_MS = Duration.ofMinutes(5).toMillis();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DashboardSessionRepository sessions;

    DashboardSessions(DashboardSessionRepository sessions) {
        this.sessions = sessions;
    }

    /** What the browser gets: the cookie value (never stored) and the session's CSRF token. */
    record Opened(String cookieValue, DashboardSession session) {
    }

    Opened open() {
        long now = System.currentTimeMillis();
        sessions.deleteStale(now, now - IDLE_LIMIT.toMillis());
        String cookieValue = random();
        DashboardSession session = new DashboardSession(hash(cookieValue), random(), now, now, now + LIFETIME.toMillis());
        sessions.save(session);
        return new Opened(cookieValue, session);
    }

    Optional<DashboardSession> find(String cookieValue) {
        long now = System.currentTimeMillis();
        return sessions.findById(hash(cookieValue))
                .filter(s -> s.expiresAt() > now && s.lastSeenAt() > now - IDLE_LIMIT.toMillis())
                .map(s -> {
                    if (now - s.lastSeenAt() > TOUCH_EVERY_MS) {
                        sessions.touch(s.idHash(), now);
                    }
                    return s;
                });
    }

    void close(String idHash) {
        sessions.deleteById(idHash);
    }

    /** After a password change every other browser must sign in again. */
    void closeAllBut(String idHash) {
        sessions.deleteAllBut(idHash);
    }

    private static String hash(String cookieValue) {
        return Sha256.hex(cookieValue.getBytes(StandardCharsets.UTF_8));
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
