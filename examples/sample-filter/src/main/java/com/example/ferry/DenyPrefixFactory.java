package com.example.ferry;

import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;

/**
 * Adds a fresh {@link DenyPrefixFilter} to each connection. Immutable, so it is safe to share across the listener's
 * threads; the filters it creates hold per-connection state and are never shared.
 */
final class DenyPrefixFactory implements NetworkFilterChainFactory {

    private final byte[] prefix;

    DenyPrefixFactory(byte[] prefix) {
        this.prefix = prefix.clone();
    }

    @Override
    public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
        callbacks.addReadFilter(new DenyPrefixFilter(prefix));
    }
}
