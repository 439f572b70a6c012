package dev.onebox.auth;

import dev.onebox.testing.DashboardClient;
import dev.onebox.testing.Http;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sign-in limit, with short waits so the test takes seconds: guesses spread over many
 * addresses slow sign-in down but never keep the right password out; one address that keeps
 * guessing waits longer each time, and only it. X-Real-IP comes from loopback, as nginx sends it.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignInLimitTest implements TestPropertyProvider {

    private static final String PASSWORD = "limit-test-password-42";

    @Inject
    EmbeddedServer server;

    private Http http;

    @Override
    public Map<String, String> getProperties() {
        return Map.of("onebox.data-dir", TempDirs.dataDir().toString(), "onebox.admin-token", "limit-test-token-0123456789",
                "onebox.admin-password", PASSWORD, "onebox.runtime", "process",
                "onebox.sign-in.first-lockout", "1s", "onebox.sign-in.global-spacing", "50ms", "onebox.sign-in.global-max-delay", "2s");
    }

    @BeforeEach
    void setUp() {
        http = new Http(server.getURL().toString());
    }

    @Test
    void wrongPasswordsFromTwentyFiveAddressesDoNotKeepTheRightOneOut() {
        // 25 wrong passwords in all (five addresses with five each locked everyone out before).
        for (int i = 1; i <= 25; i++) {
            HttpResponse<String> wrong = new DashboardClient(http, "192.0.2." + i).signIn("admin", "guess-" + i);
            assertThat(wrong.statusCode()).as("address %d", i).isEqualTo(401);
        }
        long started = System.nanoTime();
        HttpResponse<String> right = new DashboardClient(http, "192.0.2.200").signIn("admin", PASSWORD);
        assertThat(right.statusCode()).isEqualTo(303);
        assertThat(DashboardClient.sessionCookie(right)).isPresent();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("slowed down at most by the turn's limit").isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void oneAddressThatKeepsGuessingWaitsLongerEachTimeAndOnlyIt() {
        DashboardClient guesser = new DashboardClient(http, "203.0.113.77");
        for (int i = 0; i < 5; i++) {
            assertThat(guesser.signIn("admin", "wrong-" + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> first = guesser.signIn("admin", PASSWORD);
        assertThat(first.statusCode()).as("even the right password waits").isEqualTo(429);
        assertThat(first.body()).contains("Too many failed sign-ins");
        long firstWait = Long.parseLong(first.headers().firstValue("retry-after").orElseThrow());

        assertThat(new DashboardClient(http, "203.0.113.78").signIn("admin", PASSWORD).statusCode())
                .as("a neighbour is not held up").isEqualTo(303);

        // The first wrong password after the wait is checked (and counted); those before it are not.
        Waits.until(Duration.ofSeconds(10), "the first wait to end", () -> guesser.signIn("admin", "wrong-again").statusCode() == 401);
        HttpResponse<String> second = guesser.signIn("admin", PASSWORD);
        assertThat(second.statusCode()).isEqualTo(429);
        long secondWait = Long.parseLong(second.headers().firstValue("retry-after").orElseThrow());
        assertThat(secondWait).isGreaterThan(firstWait);

        Waits.until(Duration.ofSeconds(10), "the second wait to end", () -> guesser.signIn("admin", PASSWORD).statusCode() == 303);
    }

    @Test
    void anIpv6SubscriberCountsAsOneAddressPerSlash64() {
        for (int i = 1; i <= 5; i++) {
            assertThat(new DashboardClient(http, "2001:db8:1:2::" + Integer.toHexString(i)).signIn("admin", "wrong").statusCode()).isEqualTo(401);
        }
        assertThat(new DashboardClient(http, "2001:db8:1:2:ffff::9").signIn("admin", PASSWORD).statusCode()).isEqualTo(429);
        assertThat(new DashboardClient(http, "2001:db8:1:3::1").signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
    }

}
