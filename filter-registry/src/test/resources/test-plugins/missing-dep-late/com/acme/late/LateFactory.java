package com.acme.late;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.ReadFilter;

/** Uses com.acme.lib.Codec: creating it (the JVM verifies its methods) or its first connection needs the library. */
public class LateFactory implements NetworkFilterChainFactory {
    private final boolean strict = com.acme.lib.Codec.accepts(1);

    @Override
    public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
        callbacks.addReadFilter(new ReadFilter() {
            @Override
            public FilterStatus onData(io.ferry.filter.api.IoBuffer buffer) {
                return strict && com.acme.lib.Codec.accepts(buffer.getByte(0)) ? FilterStatus.CONTINUE
                        : FilterStatus.STOP;
            }
        });
    }
}
