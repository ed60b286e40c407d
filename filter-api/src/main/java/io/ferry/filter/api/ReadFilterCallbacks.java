package io.ferry.filter.api;

/**
 * What a {@link ReadFilter} can ask of the chain it sits in. MOSN: {@code api.ReadFilterCallbacks}.
 *
 * <p>One instance per filter per connection, handed over in {@link ReadFilter#initializeReadFilterCallbacks}.
 */
@Stable
public interface ReadFilterCallbacks {

    /** The connection this filter is attached to. */
    Connection connection();

    /**
     * Resumes the pass that this filter ended with {@link FilterStatus#STOP}, at the filter <em>after</em> this one,
     * with the connection's read buffer as it is now (everything not drained, including bytes read while stopped).
     * This filter and the ones before it are not run again. Filters after it that were never initialised get
     * {@link ReadFilter#onNewConnection()} first.
     *
     * <p>May be called from any thread: when called off the connection's thread, the pass is executed on that thread
     * later, never concurrently with another callback of the connection (MOSN runs it on the caller's goroutine).
     *
     * @throws IllegalStateException if this filter's last status was not {@code STOP} (the message names the
     *                               filter), or if the connection is closed
     */
    void continueReading();

    /**
     * The upstream host chosen for this connection, shared by all filters on it; {@code null} until one is set. On
     * the connection's thread only (R4.3).
     */
    HostInfo upstreamHost();

    /** Records the upstream host for this connection, visible to every filter on it. On the connection's thread only. */
    void setUpstreamHost(HostInfo host);
}
