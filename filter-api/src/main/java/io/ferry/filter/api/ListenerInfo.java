package io.ferry.filter.api;

import java.net.SocketAddress;
import java.util.OptionalInt;

/**
 * A listener as configured, after defaults were applied. MOSN: the {@code *v2.Listener} passed to
 * {@link FactoryInitializer#init}.
 */
@Stable
public interface ListenerInfo {

    /** The listener's {@code name}; defaults to its address, as in MOSN. */
    String name();

    /** {@code "tcp"} or {@code "unix"}, lower case. */
    String network();

    /** The {@code address} as configured, e.g. {@code "127.0.0.1:2045"} or a unix socket path. */
    String address();

    /**
     * The address the listener binds: an {@link java.net.InetSocketAddress} or a
     * {@link java.net.UnixDomainSocketAddress}. For a TCP listener bound to port 0, this is the configured address;
     * {@link #port()} tells the port actually bound once the listener is up.
     */
    SocketAddress socketAddress();

    /** The TCP port, or empty for a unix-socket listener. */
    OptionalInt port();
}
