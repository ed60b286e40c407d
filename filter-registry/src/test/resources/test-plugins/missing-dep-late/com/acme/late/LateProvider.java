package com.acme.late;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

/** Loads fine on its own: only its factory, created later, needs the missing library. */
public class LateProvider implements NetworkFilterFactoryProvider {
    @Override
    public String type() {
        return "acme.late";
    }

    @Override
    public String apiVersion() {
        return FilterApi.VERSION;
    }

    @Override
    public NetworkFilterChainFactory create(FilterConfig config) {
        return new LateFactory();
    }
}
