package dev.onebox.runtime.docker;

/** The little IPv4 arithmetic the egress check needs: an address inside a subnet. */
final class Ipv4 {

    private Ipv4() {
    }

    /** The {@code offset}-th address of {@code cidr}, e.g. ("10.213.0.0/24", 1) is 10.213.0.1. */
    static String inSubnet(String cidr, int offset) {
        String[] parts = cidr.split("/");
        String[] octets = parts[0].split("\\.");
        if (parts.length != 2 || octets.length != 4) {
            throw new IllegalArgumentException("not an IPv4 subnet: " + cidr);
        }
        long address = 0;
        for (String octet : octets) {
            address = (address << 8) | Integer.parseInt(octet);
        }
        int prefix = Integer.parseInt(parts[1]);
        long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        long result = (address & mask) + offset;
        return ((result >> 24) & 0xFF) + "." + ((result >> 16) & 0xFF) + "." + ((result >> 8) & 0xFF) + "." + (result & 0xFF);
    }
}
