package com.acme.ctor;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

public class CtorProvider implements NetworkFilterFactoryProvider {
    private final String name;

    public CtorProvider(String name) {
        this.name = name;
    }

    @Override
    public String type() {
        return "acme.ctor";
    }

    @Override
    public String apiVersion() {
        return FilterApi.VERSION;
    }

    @Override
    public NetworkFilterChainFactory create(FilterConfig config) {
        return (context, callbacks) -> callbacks.addReadFilter(buffer -> FilterStatus.CONTINUE);
    }
}
