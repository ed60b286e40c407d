package io.ferry.filter.api;

/**
 * Where a {@link NetworkFilterChainFactory} adds the filters of one connection. MOSN:
 * {@code api.NetWorkFilterChainFactoryCallbacks} (note MOSN's capital W).
 *
 * <p>Valid only during {@link NetworkFilterChainFactory#createFilterChain}.
 */
@Stable
public interface NetworkFilterChainFactoryCallbacks {

    /**
     * Appends a read filter to the connection's read path and immediately calls its
     * {@link ReadFilter#initializeReadFilterCallbacks}.
     *
     * @throws IllegalStateException if {@code filter} is already attached to another connection: factories must
     *                               create new filter instances for each connection
     */
    void addReadFilter(ReadFilter filter);

    /**
     * Appends a write filter to the connection's write path.
     *
     * @throws IllegalStateException if {@code filter} is already attached to another connection
     */
    void addWriteFilter(WriteFilter filter);
}
