package io.ferry.filter.api;

/**
 * What a factory knows about the connection it builds a chain for. MOSN passes a {@code context.Context} carrying
 * the listener port, name and connection id as variables.
 */
@Stable
public interface FilterChainContext {

    /** The connection the chain is built for. Do not write or close it from {@code createFilterChain}. */
    Connection connection();

    /** The listener that accepted the connection. */
    ListenerInfo listener();
}
