package com.acme.needy;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

public class NeedyProvider implements NetworkFilterFactoryProvider {
    private final com.acme.lib.Helper helper = new com.acme.lib.Helper();

    @Override
    public String type() {
        return "acme.needy";
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
