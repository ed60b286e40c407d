package io.ferry.filter.api;

/**
 * Builds the filters of one connection. MOSN: {@code api.NetworkFilterChainFactory}.
 *
 * <p>A factory is created once per entry of a listener's {@code filters[]}, by its
 * {@link io.ferry.filter.api.spi.NetworkFilterFactoryProvider provider}, when the configuration is loaded. For every
 * accepted connection, each factory of the listener is asked, in config order, to {@link #createFilterChain}.
 *
 * <h2>Sharing rule</h2>
 * The factory is shared by all connections of the listener, on several threads at once, and must be thread-safe.
 * The filters it adds must be <b>new instances for each connection</b>; they may then hold per-connection state
 * without locks. An instance added to a second connection is refused. Connections must not change each other's
 * results, unless the factory declares the state they share on purpose (a connection limit) with
 * {@link SharedState}; what every factory of a type shares across listeners belongs in
 * {@link io.ferry.filter.api.spi.FilterConfig#pluginScope()} (rule R3.6).
 * <pre>{@code
 * // Right: state per connection
 * public void createFilterChain(FilterChainContext ctx, NetworkFilterChainFactoryCallbacks cb) {
 *     cb.addReadFilter(new CountingFilter(sharedCounters));   // a fresh instance, sharing a thread-safe object
 * }
 * // Wrong: one instance for every connection (Layotto's tcpcopy does this)
 * public void createFilterChain(FilterChainContext ctx, NetworkFilterChainFactoryCallbacks cb) {
 *     cb.addReadFilter(this.filter);                          // refused on the second connection
 * }
 * }</pre>
 *
 * <h2>Optional interfaces</h2>
 * A factory may also implement {@link FactoryInitializer} (called once with the listener before any connection) and
 * {@link AutoCloseable} (called once when the runtime stops, to release threads and files).
 */
@Stable
@FunctionalInterface
public interface NetworkFilterChainFactory {

    /**
     * Adds this factory's filters for one new connection. Runs on the connection's thread; must not block.
     *
     * @param context   the connection and listener the chain is built for
     * @param callbacks where to add the filters; valid only during this call
     */
    void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks);
}
