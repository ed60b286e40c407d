package com.acme.init;

import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;

/** Its static initialiser throws: creating it raises ExceptionInInitializerError, a LinkageError. */
public class InitFactory implements NetworkFilterChainFactory {
    static final String KEY = System.getProperty("acme.init.key", "").isEmpty() ? fail() : "ok";

    private static String fail() {
        throw new IllegalStateException("acme.init.key is not set");
    }

    @Override
    public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
    }
}
