package io.ferry.filter.api;

/**
 * Events delivered to the {@link ConnectionEventListener}s of a connection and to the
 * {@link io.ferry.filter.api.upstream.UpstreamCallbacks} of an upstream connection. MOSN: {@code api.ConnectionEvent}
 * (strings such as {@code "RemoteClose"}); {@link #REMOTE_HALF_CLOSE} is Ferry's addition.
 *
 * <p>Every value not deprecated is emitted by the runtime at the moment its comment says. MOSN's
 * {@code OnWriteErrClose} and {@code OnWriteTimeout} ({@link #ON_WRITE_ERR_CLOSE}, {@link #ON_WRITE_TIMEOUT}) are
 * never emitted, because Ferry has no event they could truthfully name: a socket error closes the connection with
 * {@link #ON_READ_ERR_CLOSE} whichever operation met it, and there is no write timeout (a peer that takes no byte for
 * the listener's {@code connection_idle_timeout} is an idle connection: {@link #ON_READ_TIMEOUT}, then the connection
 * is reset). They stay, deprecated, because this type is {@link Stable}: code that names them keeps compiling and
 * linking until filter-api 2.0.
 */
@Stable
public enum ConnectionEvent {
    /** The peer closed the connection: both directions ended with a FIN, or the connection ended after the peer's. */
    REMOTE_CLOSE("RemoteClose"),
    /** This side closed the connection: a filter, the idle timeout, the runtime's shutdown. */
    LOCAL_CLOSE("LocalClose"),
    /**
     * Closed after a socket error: the peer reset the connection, a read or a write failed, or (for an upstream
     * connection) it ended without the peer's FIN, so the peer's stream was cut.
     */
    ON_READ_ERR_CLOSE("OnReadErrClose"),
    /**
     * Never emitted (see the class comment): a write error closes the connection with {@link #ON_READ_ERR_CLOSE}.
     *
     * @deprecated no event of Ferry's has this meaning; removed in filter-api 2.0
     */
    @Deprecated(since = "1.1", forRemoval = true)
    ON_WRITE_ERR_CLOSE("OnWriteErrClose"),
    /**
     * Upstream connections: a connect attempt starts; {@link io.ferry.filter.api.upstream.UpstreamConnection#host()}
     * is the host the load balancer picked for it.
     */
    ON_CONNECT("OnConnect"),
    /** Upstream connections: the connection is established. */
    CONNECTED("ConnectedFlag"),
    /** Upstream connections: a connect attempt did not complete within the cluster's {@code connect_timeout}. */
    CONNECT_TIMEOUT("ConnectTimeout"),
    /** Upstream connections: a connect attempt failed (refused, unreachable). */
    CONNECT_FAILED("ConnectFailed"),
    /**
     * Nothing was read, written or flushed for the idle timeout: the listener's {@code connection_idle_timeout} for
     * an accepted connection, the cluster's {@code idle_timeout} for an upstream connection. The runtime closes the
     * connection right after this event ({@code LOCAL_CLOSE}).
     */
    ON_READ_TIMEOUT("OnReadTimeout"),
    /**
     * Never emitted (see the class comment): Ferry has no write timeout.
     *
     * @deprecated no event of Ferry's has this meaning; removed in filter-api 2.0
     */
    @Deprecated(since = "1.1", forRemoval = true)
    ON_WRITE_TIMEOUT("OnWriteTimeout"),
    /**
     * The runtime started a graceful shutdown: it no longer accepts connections and closes this one when
     * {@code graceful_timeout} has passed. Delivered once to the listeners of every accepted connection open at that
     * moment; a filter may use it to end its connection early (finish a response, send a protocol's "going away").
     */
    ON_SHUTDOWN("OnShutdown"),
    /**
     * Ferry: the peer shut down its write side (TCP FIN). No more bytes will be read, and the read buffer's
     * {@link IoBuffer#isEof()} is {@code true}; the connection can still write. MOSN closes the whole connection
     * here, which loses responses to clients that half-close after their request.
     */
    REMOTE_HALF_CLOSE("RemoteHalfClose");

    private final String mosnName;

    ConnectionEvent(String mosnName) {
        this.mosnName = mosnName;
    }

    /** The event's name in MOSN, e.g. {@code "RemoteClose"}. */
    public String mosnName() {
        return mosnName;
    }

    /**
     * True for the events that mean the connection is now closed ({@link #REMOTE_CLOSE}, {@link #LOCAL_CLOSE},
     * {@link #ON_READ_ERR_CLOSE}), as MOSN's {@code IsClose()}; exactly one of them reaches the listeners.
     */
    public boolean isClose() {
        return this == REMOTE_CLOSE || this == LOCAL_CLOSE || this == ON_READ_ERR_CLOSE;
    }
}
