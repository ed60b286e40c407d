package io.ferry.proxy.runtime;

import io.ferry.filter.api.ListenerInfo;
import io.ferry.proxy.config.ListenerConfig;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.OptionalInt;

/**
 * A listener as filters see it. The bound address is set once the server socket is up, so {@link #port()} tells
 * the real port of a listener configured with port 0. Thread-safe.
 */
final class RuntimeListenerInfo implements ListenerInfo {

    private final ListenerConfig config;
    private final SocketAddress configured;
    private volatile SocketAddress bound;

    RuntimeListenerInfo(ListenerConfig config) {
        this.config = config;
        this.configured = "unix".equals(config.network())
                ? UnixDomainSocketAddress.of(config.address())
                : InetSocketAddress.createUnresolved(config.host(), Math.max(0, config.port()));
    }

    /** The address to bind: resolved now (the loader validated it). */
    SocketAddress bindAddress() {
        if (configured instanceof InetSocketAddress i) {
            return new InetSocketAddress(i.getHostString(), i.getPort());
        }
        return configured;
    }

    void bound(SocketAddress address) {
        this.bound = address;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String network() {
        return config.network();
    }

    @Override
    public String address() {
        return config.address();
    }

    @Override
    public SocketAddress socketAddress() {
        SocketAddress b = bound;
        return b != null ? b : configured;
    }

    @Override
    public OptionalInt port() {
        SocketAddress a = socketAddress();
        return a instanceof InetSocketAddress i ? OptionalInt.of(i.getPort()) : OptionalInt.empty();
    }

    @Override
    public String toString() {
        return config.name() + " (" + config.network() + " " + config.address() + ")";
    }
}
