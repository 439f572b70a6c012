package dev.onebox.runtime;

import io.micronaut.core.annotation.Nullable;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** What {@code ONEBOX_HOST} (the listen address) says about who can reach the app. */
final class ListenAddress {

    private ListenAddress() {
    }

    /**
     * True only when every address the host name stands for is a loopback address; unset (every
     * interface), a wildcard, or a name that does not resolve is not.
     */
    static boolean isLoopbackOnly(@Nullable String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host.strip());
            return addresses.length > 0 && Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress);
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
