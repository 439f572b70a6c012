package dev.onebox.auth;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The sign-in limit's bookkeeping, without HTTP: its memory bound, parallel guesses, IPv6 prefixes. */
class LoginRateLimitTest {

    private static LoginRateLimit limit(int maxAddresses) {
        return new LoginRateLimit(new SignInLimitConfig(5, Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofHours(1),
                20, Duration.ofMinutes(5), Duration.ofMillis(10), Duration.ofSeconds(1), maxAddresses));
    }

    @Test
    void aFloodOfAddressesStaysWithinTheMemoryBoundAndKeepsTheLockedOnes() {
        LoginRateLimit limit = limit(100);
        for (int i = 0; i < 5; i++) {
            limit.failed("203.0.113.1");
        }
        for (int i = 0; i < 10_000; i++) {
            limit.failed("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
        }
        assertThat(limit.tracked()).isLessThanOrEqualTo(101);
        assertThat(limit.tryBegin("203.0.113.1")).as("the address that is locked out stays so").isPositive();
    }

    @Test
    void oneCheckPerAddressAtATime() {
        LoginRateLimit limit = limit(100);
        assertThat(limit.tryBegin("198.51.100.1")).isZero();
        assertThat(limit.tryBegin("198.51.100.1")).as("a parallel guess waits").isPositive();
        assertThat(limit.tryBegin("198.51.100.2")).isZero();
        limit.failed("198.51.100.1");
        limit.finished("198.51.100.1");
        assertThat(limit.tryBegin("198.51.100.1")).isZero();
    }

    @Test
    void ipv6CountsPerSlash64() {
        assertThat(LoginRateLimit.key("2001:db8:1:2::1")).isEqualTo(LoginRateLimit.key("2001:db8:1:2:ffff:ffff:ffff:ffff"))
                .isNotEqualTo(LoginRateLimit.key("2001:db8:1:3::1"));
        assertThat(LoginRateLimit.key("192.0.2.1")).isEqualTo("192.0.2.1");
    }
}
