package io.ferry.filter.api;

import io.ferry.filter.api.upstream.UpstreamConnector;

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

    /**
     * Opens upstream connections to the runtime's clusters, on this connection's thread (see
     * {@link UpstreamConnector}). The test kit backs it with in-memory clusters.
     */
    @Experimental
    default UpstreamConnector upstreams() {
        return UpstreamConnector.NONE;
    }

    /**
     * The number of bytes in the connection's read buffer now: read from the peer and not drained by any filter. A
     * terminal filter uses it to tell whether the peer's FIN has reached it: when {@link ConnectionEvent#REMOTE_HALF_CLOSE}
     * arrives and this is 0, every byte before the FIN was handed on; otherwise a filter before it still holds bytes,
     * which come with the read buffer's {@link IoBuffer#isEof()} set once it lets them through. {@code -1} if the
     * runtime does not tell. Any thread may read it, but only the connection's thread sees a current value.
     */
    @Experimental
    default int bufferedBytes() {
        return -1;
    }
}
