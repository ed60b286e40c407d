package io.ferry.filter.api;

/**
 * Events delivered to {@link ConnectionEventListener}s. MOSN: {@code api.ConnectionEvent} (strings such as
 * {@code "RemoteClose"}); {@link #REMOTE_HALF_CLOSE} is Ferry's addition.
 */
@Stable
public enum ConnectionEvent {
    /** The peer closed the connection, or it was closed because the peer went away. */
    REMOTE_CLOSE("RemoteClose"),
    /** This side closed the connection. */
    LOCAL_CLOSE("LocalClose"),
    /** Closed after a read error. */
    ON_READ_ERR_CLOSE("OnReadErrClose"),
    /** Closed after a write error. */
    ON_WRITE_ERR_CLOSE("OnWriteErrClose"),
    /** An outbound connection attempt started. */
    ON_CONNECT("OnConnect"),
    /** An outbound connection was established. */
    CONNECTED("ConnectedFlag"),
    /** An outbound connection attempt timed out. */
    CONNECT_TIMEOUT("ConnectTimeout"),
    /** An outbound connection attempt failed. */
    CONNECT_FAILED("ConnectFailed"),
    /** Nothing was read for a read-timeout period. */
    ON_READ_TIMEOUT("OnReadTimeout"),
    /** A write did not complete in time; the connection is closed. */
    ON_WRITE_TIMEOUT("OnWriteTimeout"),
    /** The runtime is shutting down. */
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

    /** True for the events that mean the connection is now closed, as MOSN's {@code IsClose()}. */
    public boolean isClose() {
        return this == REMOTE_CLOSE || this == LOCAL_CLOSE || this == ON_READ_ERR_CLOSE
                || this == ON_WRITE_ERR_CLOSE || this == ON_WRITE_TIMEOUT;
    }
}
