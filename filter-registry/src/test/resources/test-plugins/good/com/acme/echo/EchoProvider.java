package com.acme.echo;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

public class EchoProvider implements NetworkFilterFactoryProvider {
    @Override
    public String toString() {
        return "EchoProvider(shared=" + com.acme.shared.Shared.origin() + ")";
    }

    @Override
    public String type() {
        return "acme.echo";
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
