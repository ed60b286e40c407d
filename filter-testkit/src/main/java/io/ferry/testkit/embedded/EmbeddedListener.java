package io.ferry.testkit.embedded;

import io.ferry.filter.api.ListenerInfo;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Objects;
import java.util.OptionalInt;

/** A {@link ListenerInfo} for tests. No socket is ever bound. */
public record EmbeddedListener(String name, String network, String address, SocketAddress socketAddress,
                               OptionalInt port) implements ListenerInfo {

    /** The default: {@code "embedded"} on {@code 127.0.0.1:2045}. */
    public static final EmbeddedListener DEFAULT = tcp("embedded", 2045);

    public EmbeddedListener {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(socketAddress, "socketAddress");
        Objects.requireNonNull(port, "port");
    }

    /** A TCP listener named {@code name} on {@code 127.0.0.1:port}. */
    public static EmbeddedListener tcp(String name, int port) {
        return new EmbeddedListener(name, "tcp", "127.0.0.1:" + port,
                new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), OptionalInt.of(port));
    }

    /** A unix-socket listener named {@code name} on {@code path}. */
    public static EmbeddedListener unix(String name, String path) {
        return new EmbeddedListener(name, "unix", path, UnixDomainSocketAddress.of(path), OptionalInt.empty());
    }
}
