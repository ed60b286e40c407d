package io.ferry.dump.format;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One end of a captured connection as stored in an {@code OPEN} record: an IPv4 or IPv6 address and port, a unix
 * socket path, or unknown. Immutable.
 *
 * @param family  {@link #UNKNOWN}, {@link #IPV4}, {@link #IPV6} or {@link #UNIX}
 * @param address 4 or 16 address bytes for IP families, else empty (never modified after construction)
 * @param port    the TCP port for IP families, else 0
 * @param path    the unix socket path for {@link #UNIX} (may be empty for an unnamed socket), else empty
 */
public record Endpoint(int family, byte[] address, int port, String path) {

    public static final int UNKNOWN = 0;
    public static final int UNIX = 1;
    public static final int IPV4 = 4;
    public static final int IPV6 = 6;

    public static final Endpoint UNKNOWN_ENDPOINT = new Endpoint(UNKNOWN, new byte[0], 0, "");

    /** Converts a socket address of a {@code Connection}; {@code null} or an unresolved address gives unknown. */
    public static Endpoint of(SocketAddress a) {
        if (a instanceof InetSocketAddress in && in.getAddress() != null) {
            InetAddress ia = in.getAddress();
            int fam = ia instanceof Inet4Address ? IPV4 : IPV6;
            return new Endpoint(fam, ia.getAddress(), in.getPort(), "");
        }
        if (a instanceof UnixDomainSocketAddress u) {
            return new Endpoint(UNIX, new byte[0], 0, u.getPath().toString());
        }
        if (a != null && a.getClass().getName().endsWith("DomainSocketAddress")) {
            // e.g. Netty's DomainSocketAddress, whose toString() is the path
            return new Endpoint(UNIX, new byte[0], 0, a.toString());
        }
        return UNKNOWN_ENDPOINT;
    }

    public boolean isIp() {
        return family == IPV4 || family == IPV6;
    }

    /** The IP address; only for IP families. */
    public InetAddress inetAddress() {
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Encoded size in a record. */
    int encodedSize() {
        return switch (family) {
            case IPV4 -> 1 + 4 + 2;
            case IPV6 -> 1 + 16 + 2;
            case UNIX -> 1 + 2 + path.getBytes(StandardCharsets.UTF_8).length;
            default -> 1;
        };
    }

    @Override
    public String toString() {
        return switch (family) {
            case IPV4 -> inetAddress().getHostAddress() + ":" + port;
            case IPV6 -> "[" + inetAddress().getHostAddress() + "]:" + port;
            case UNIX -> "unix:" + path;
            default -> "unknown";
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Endpoint e && e.family == family && e.port == port && e.path.equals(path)
                && Arrays.equals(e.address, address);
    }

    @Override
    public int hashCode() {
        return (family * 31 + port) * 31 + Arrays.hashCode(address) + path.hashCode();
    }
}
