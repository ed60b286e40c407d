package com.example.plugin;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.util.Set;

/**
 * {@code example.max_bytes}: closes a connection once its client has sent more than {@code max_bytes}, after
 * passing on what came before. Registered in {@code META-INF/services/io.ferry.filter.api.spi.NetworkFilterFactoryProvider}.
 *
 * <pre>{@code
 * {"type": "example.max_bytes", "config": {"max_bytes": 1048576}}
 * }</pre>
 */
public final class MaxBytesProvider implements NetworkFilterFactoryProvider {

    /** The filter's type in configs: a vendor prefix, as built-in names are refused. */
    public static final String TYPE = "example.max_bytes";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String apiVersion() {
        return FilterApi.VERSION;
    }

    @Override
    public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {
        config.rejectUnknownKeys(Set.of("max_bytes"));
        long max = config.getLong("max_bytes");
        if (max < 1) {
            throw new FilterConfigException(config.path("max_bytes"), config.asMap().get("max_bytes"),
                    "an integer of 1 or more");
        }
        // a new filter instance per connection; the factory itself holds nothing mutable
        return (context, callbacks) -> callbacks.addReadFilter(new MaxBytesFilter(max));
    }
}
