package io.ferry.filter.registry.testing;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

/** A provider on the test class path, registered in the test resources' META-INF/services. */
public class ClasspathEchoProvider implements NetworkFilterFactoryProvider {

    @Override
    public String type() {
        return "test.classpath_echo";
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
