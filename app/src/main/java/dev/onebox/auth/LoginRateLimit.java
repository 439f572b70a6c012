package dev.onebox.auth;

import dev.onebox.http.SlidingWindowLimit;
import jakarta.inject.Singleton;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing without letting anyone lock the admin out:
 * <ul>
 * <li>per address (per /64 for IPv6, which hands out whole prefixes): a few wrong passwords are
 * free, then the address waits, twice as long after each further wrong one;</li>
 * <li>for everyone: when many wrong passwords arrive from many addresses, password checks are
 * spaced out (each sign-in waits its turn, a bounded time) but none is refused, so the right
 * password from an address that has not guessed still gets in.</li>
 * </ul>
 * A success forgets the address's failures.
 */
@Singleton
public class LoginRateLimit {

    private static final String EVERYONE = "*";

    private record Failures(int count, long lastAt) {
    }

    private final SignInLimitConfig config;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();
    private final Set<String> checking = ConcurrentHashMap.newKeySet();
    private final SlidingWindowLimit overall;
    private long nextSlot;

    LoginRateLimit(SignInLimitConfig config) {
        this.config = config;
        this.overall = new SlidingWindowLimit(config.globalFailures(), config.globalWindow());
    }

    /**
     * Starts a password check for this address: 0 when it may try now (then {@link #finished}
     * must follow, after {@link #failed} or {@link #succeeded}), else the seconds it must wait. One check per address at a
     * time, so parallel guesses cannot all slip in before the first failure counts.
     */
    public long tryBegin(String address) {
        String key = key(address);
        if (!checking.add(key)) {
            return 1;
        }
        long wait = secondsToWait(key);
        if (wait > 0) {
            checking.remove(key);
        }
        return wait;
    }

    private long secondsToWait(String key) {
        Failures f = failures.get(key);
        if (f == null) {
            return 0;
        }
        long until = f.lastAt() + lockoutMs(f.count());
        long left = until - System.currentTimeMillis();
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    /**
     * Milliseconds this sign-in waits for its turn before its password is checked: 0 unless many
     * wrong passwords came in lately; then turns are {@code globalSpacing} apart, and nobody waits
     * longer than {@code globalMaxDelay}.
     */
    public synchronized long turnDelayMs() {
        if (overall.secondsUntilAllowed(EVERYONE) == 0) {
            return 0;
        }
        long now = System.currentTimeMillis();
        long turn = Math.min(Math.max(now, nextSlot), now + config.globalMaxDelay().toMillis());
        nextSlot = turn + config.globalSpacing().toMillis();
        return turn - now;
    }

    public void failed(String address) {
        long now = System.currentTimeMillis();
        String key = key(address);
        failures.compute(key, (k, f) -> f == null || now - f.lastAt() > forgetMs(f.count()) ? new Failures(1, now)
                : new Failures(f.count() + 1, now));
        overall.record(EVERYONE);
        if (failures.size() > config.maxAddresses()) {
            forgetSome(now);
        }
    }

    public void succeeded(String address) {
        failures.remove(key(address));
    }

    /** Ends the check {@link #tryBegin} started, however it went. */
    public void finished(String address) {
        checking.remove(key(address));
    }

    /** The wait after {@code count} wrong passwords: none while free, then doubling to the maximum. */
    private long lockoutMs(int count) {
        int over = count - config.freeFailures();
        if (over < 0) {
            return 0;
        }
        long wait = config.firstLockout().toMillis() << Math.min(over, 30);
        return Math.min(wait, config.maxLockout().toMillis());
    }

    private long forgetMs(int count) {
        return Math.max(config.forgetAfter().toMillis(), lockoutMs(count));
    }

    /** Above the memory bound: old entries go first, then (under a flood) any that are not locked out. */
    private void forgetSome(long now) {
        failures.entrySet().removeIf(e -> now - e.getValue().lastAt() > forgetMs(e.getValue().count()));
        Iterator<Map.Entry<String, Failures>> it = failures.entrySet().iterator();
        while (failures.size() > config.maxAddresses() && it.hasNext()) {
            Map.Entry<String, Failures> e = it.next();
            if (e.getValue().lastAt() + lockoutMs(e.getValue().count()) <= now) {
                it.remove();
            }
        }
    }

    int tracked() {
        return failures.size();
    }

    /** IPv6 addresses count per /64: one subscriber usually holds a whole prefix. */
    static String key(String address) {
        if (address.indexOf(':') < 0) {
            return address;
        }
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress();
            if (bytes.length != 16) {
                return address;
            }
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
            }
            return prefix.append(":/64").toString();
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
