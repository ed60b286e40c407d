package com.acme.init;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

/** Loads and passes every check; the factory class it creates fails to initialise (a linkage error at creation). */
public class InitProvider implements NetworkFilterFactoryProvider {
    @Override
    public String type() {
        return "acme.init";
    }

    @Override
    public String apiVersion() {
        return FilterApi.VERSION;
    }

    @Override
    public NetworkFilterChainFactory create(FilterConfig config) {
        return new InitFactory();
    }
}
