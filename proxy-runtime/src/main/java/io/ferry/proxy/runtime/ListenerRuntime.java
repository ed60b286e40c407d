package io.ferry.proxy.runtime;

import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.stats.ListenerStats;

import java.util.List;

/**
 * What every connection of one listener shares: the filter factories in config order, the listener as filters see
 * it, its counters and its idle timeout. Immutable after startup.
 */
final class ListenerRuntime {

    /** One configured filter: its type (for logs) and its factory. */
    record Factory(String type, NetworkFilterChainFactory factory) {
    }

    final ListenerConfig config;
    final RuntimeListenerInfo info;
    final ListenerStats stats;
    final Factory[] factories;
    final long idleTimeoutNanos;

    ListenerRuntime(ListenerConfig config, RuntimeListenerInfo info, List<Factory> factories) {
        this.config = config;
        this.info = info;
        this.stats = new ListenerStats(config.name());
        this.factories = factories.toArray(new Factory[0]);
        this.idleTimeoutNanos = config.connectionIdleTimeout() == null ? 0 : config.connectionIdleTimeout().toNanos();
    }
}
