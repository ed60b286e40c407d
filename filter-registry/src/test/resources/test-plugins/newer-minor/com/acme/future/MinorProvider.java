package com.acme.future;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

public class MinorProvider implements NetworkFilterFactoryProvider {

    @Override
    public String type() {
        return "acme.minor";
    }

    @Override
    public String apiVersion() {
        return "1.2";
    }

    @Override
    public NetworkFilterChainFactory create(FilterConfig config) {
        return (context, callbacks) -> callbacks.addReadFilter(buffer -> FilterStatus.CONTINUE);
    }
}
