package io.ferry.proxy.tcpproxy;

import io.ferry.filter.api.spi.FilterConfigException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * One {@code {"Address": "10.0.0.0", "Length": 8}} element of a route's {@code SourceAddrs}/{@code DestinationAddrs}.
 * MOSN: {@code v2.CidrRange}. Only IP literals are accepted (no DNS lookup). Immutable.
 */
final class CidrRange {

    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    private final byte[] network;
    private final int length;

    private CidrRange(byte[] network, int length) {
        this.network = network;
        this.length = length;
    }

    static CidrRange of(String path, Object address, Object length) throws FilterConfigException {
        if (!(address instanceof String a)) {
            throw new FilterConfigException(path + ".Address", address, "an IPv4 or IPv6 address literal");
        }
        byte[] bytes = literal(a);
        if (bytes == null) {
            throw new FilterConfigException(path + ".Address", address, "an IPv4 or IPv6 address literal");
        }
        int bits = bytes.length * 8;
        if (!(length instanceof Double d) || d != Math.rint(d) || d < 0 || d > bits) {
            throw new FilterConfigException(path + ".Length", length, "a prefix length from 0 to " + bits);
        }
        return new CidrRange(bytes, d.intValue());
    }

    /**
     * The bytes of an IPv4 ({@code 10.0.0.0}) or IPv6 ({@code fd00::}, brackets allowed) literal, or {@code null} for
     * anything else. Never a DNS lookup: the JDK parses a string with a colon as an IPv6 literal, and only a dotted
     * quad is passed to it as IPv4. An IPv4-mapped IPv6 literal gives the IPv4 address, as the JDK reports clients.
     */
    static byte[] literal(String a) {
        String s = a.startsWith("[") && a.endsWith("]") ? a.substring(1, a.length() - 1) : a;
        if (!s.contains(":") && !IPV4.matcher(s).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = length / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }
}
