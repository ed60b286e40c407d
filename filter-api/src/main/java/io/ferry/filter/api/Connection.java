package io.ferry.filter.api;

import java.net.SocketAddress;

/**
 * The view of a connection that filters use. MOSN: {@code api.Connection} (the methods built-in filters use).
 *
 * <h2>Threading</h2>
 * Each connection belongs to one thread (its event loop); all its filter callbacks, event listeners and writability
 * listeners run there. {@link #write}, {@link #writeFrom}, {@link #close}, {@link #closeWrite},
 * {@link #resetAfterFlush}, {@link #setReadDisable} and {@link #addConnectionEventListener} may be called from any
 * thread: off the connection's thread they are executed there, in call order. {@link #execute} runs any task there.
 * {@link #id}, the addresses, {@link #isClosed} and {@link #inEventLoop} may be read from any thread.
 * {@link #isReadEnabled} and {@link #filterState()} belong to the connection's thread: a timer task, which never runs
 * there, hops first with {@link #execute} (rule R4.3; the test kit fails a call from another thread).
 *
 * <h2>Ownership</h2>
 * A buffer passed to {@link #write} belongs to the runtime from then on; the caller must not touch it again.
 * {@link #writeFrom} moves the bytes of a buffer that stays its owner's (a read buffer during its callback).
 */
@Stable
public interface Connection {

    /** The connection's id, unique within the process. */
    long id();

    /** The local address: an {@link java.net.InetSocketAddress} or a {@link java.net.UnixDomainSocketAddress}. */
    SocketAddress localAddress();

    /** The peer's address. */
    SocketAddress remoteAddress();

    /**
     * Writes {@code buffer} after it passed this connection's write filters, in order with earlier writes.
     * Ownership of {@code buffer} passes to the runtime.
     */
    void write(IoBuffer buffer);

    /**
     * Closes the connection. With {@link ConnectionCloseType#FLUSH_WRITE}, bytes already written are sent first.
     * Listeners receive {@code event} (MOSN delivers {@code LocalClose} after a flushing close); closing an
     * already closed connection does nothing.
     */
    void close(ConnectionCloseType type, ConnectionEvent event);

    /**
     * Ferry: shuts down the write side (TCP half-close) once bytes already written are sent; reading goes on. The
     * connection closes fully once both sides have shut down.
     */
    void closeWrite();

    /** True once the connection is closed, or closing. */
    boolean isClosed();

    /**
     * Disables ({@code true}) or re-enables ({@code false}) reading. Calls nest, as in MOSN: each disable must be
     * matched by an enable before reading resumes. While reading is disabled the kernel buffers fill and TCP
     * back-pressure reaches the peer. Enabling does not by itself re-present bytes already in the read buffer;
     * use {@link ReadFilterCallbacks#continueReading()} for that.
     */
    void setReadDisable(boolean disable);

    /** True while reading is enabled. */
    boolean isReadEnabled();

    /** Registers a listener for this connection's events. */
    void addConnectionEventListener(ConnectionEventListener listener);

    /** Runs {@code task} on this connection's thread (now if already there). */
    void execute(Runnable task);

    /** True if the caller runs on this connection's thread. */
    boolean inEventLoop();

    /**
     * Moves every readable byte of {@code source} to this connection: they are drained from {@code source} and
     * written as by {@link #write} (through the write filters, after earlier writes). The runtime shares the memory of
     * its own buffers instead of copying, so a relay that moves an upstream connection's read buffer here copies
     * nothing; other buffers are copied. {@code source} stays its owner's; its EOF flag is not carried (call
     * {@link #closeWrite()}).
     */
    @Experimental
    default void writeFrom(IoBuffer source) {
        byte[] bytes = source.toByteArray();
        source.drain(bytes.length);
        write(IoBuffer.wrap(bytes));
    }

    /**
     * Ferry: hands everything written so far to the socket, then resets the connection (a TCP RST; a unix socket gets
     * an EOF): the peer gets what it takes of the stream before the reset and learns that the stream was cut
     * (FILTER-CONTRACT.md R5.5). What a relay does when the other side's stream was cut. Acts at most once, like
     * {@link #close}; the listeners receive {@code event}. A runtime that cannot reset closes without flushing.
     */
    @Experimental
    default void resetAfterFlush(ConnectionEvent event) {
        close(ConnectionCloseType.NO_FLUSH, event);
    }

    /**
     * True while the bytes written and not yet sent stay below the high-water mark (see
     * {@link WritabilityListener}). A runtime that does not report writability always answers true.
     */
    @Experimental
    default boolean isWritable() {
        return true;
    }

    /**
     * Registers a listener told, on this connection's thread, each time {@link #isWritable()} changes.
     *
     * @throws UnsupportedOperationException if this runtime does not report writability
     */
    @Experimental
    default void addWritabilityListener(WritabilityListener listener) {
        throw new UnsupportedOperationException("this runtime does not report writability");
    }

    /**
     * The values the filters of this connection share (see {@link FilterState}). One state per connection; use it on
     * the connection's thread.
     *
     * @throws UnsupportedOperationException if this runtime has no filter state
     */
    @Experimental
    default FilterState filterState() {
        throw new UnsupportedOperationException("this runtime has no filter state");
    }
}
