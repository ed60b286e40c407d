package io.ferry.proxy.it;

import io.ferry.filter.registry.FilterRegistry;
import io.ferry.filter.registry.RegistryException;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Starts the proxy for a test and waits on conditions (never on fixed sleeps). */
final class ProxyFixture {

    static {
        LeakTracker.install();
    }

    private ProxyFixture() {
    }

    static FilterRegistry registry() {
        try {
            return FilterRegistry.builder().build();
        } catch (RegistryException e) {
            throw new AssertionError(e);
        }
    }

    static ProxyServer start(FerryConfig config) throws ConfigException {
        return ProxyServer.start(config, registry(), ProxyOptions.defaults());
    }

    static InetSocketAddress tcpAddress(ProxyServer proxy, String listener) {
        SocketAddress a = proxy.listeners().get(listener);
        if (!(a instanceof InetSocketAddress i)) {
            throw new AssertionError("listener " + listener + " is not bound to a TCP address: " + a);
        }
        return i;
    }

    /** Polls {@code condition} every 10 ms until it holds; fails after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
