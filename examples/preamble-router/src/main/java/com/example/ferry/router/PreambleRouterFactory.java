package com.example.ferry.router;

import io.ferry.filter.api.FactoryInitializer;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.spi.FilterEnvironment;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * One {@code filters[]} entry: the config, the counters of its listener, and a new {@link PreambleRouterFilter} for
 * every connection. Shared by every connection of the listener, on several threads: its state is immutable or
 * lock-free.
 */
final class PreambleRouterFactory implements NetworkFilterChainFactory, FactoryInitializer {

    final Set<String> clusters;
    final int maxPreambleBytes;
    final int timeoutMillis;
    final FilterEnvironment environment;
    final LongAdder routed = new LongAdder();
    final LongAdder rejected = new LongAdder();

    PreambleRouterFactory(Set<String> clusters, int maxPreambleBytes, int timeoutMillis, FilterEnvironment environment) {
        this.clusters = clusters;
        this.maxPreambleBytes = maxPreambleBytes;
        this.timeoutMillis = timeoutMillis;
        this.environment = environment;
    }

    /** Publishes the counters under {@code example.preamble_router.<listener>} in {@code GET /api/v1/stats}. */
    @Override
    public void init(ListenerInfo listener) {
        environment.stats().register(PreambleRouterProvider.TYPE + "." + listener.name(),
                () -> Map.of("routed", routed.sum(), "rejected", rejected.sum()));
    }

    @Override
    public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
        callbacks.addReadFilter(new PreambleRouterFilter(this));
    }
}
