package io.ferry.filter.api.upstream;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.Experimental;
import io.ferry.filter.api.HostInfo;
import io.ferry.filter.api.IoBuffer;

import java.net.SocketAddress;
import java.time.Duration;

/**
 * A connection from the proxy to a host of a cluster, opened by a filter with {@link UpstreamConnector#connect}: what
 * {@code tcp_proxy} uses, and what any filter may use to relay, mirror or multiplex. Its events and bytes arrive at
 * the {@link UpstreamCallbacks} given to {@code connect}. Envoy: the connection of a {@code Tcp::ConnectionPool};
 * MOSN: the client connection {@code tcp_proxy} creates through the cluster manager.
 *
 * <h2>Threading</h2>
 * The connection lives on the thread of the downstream connection that opened it. Every method may be called from
 * any thread; off that thread the call is executed there, in call order (a buffer handed over this way must be one
 * the caller owns, never a runtime buffer, which is valid only during its callback).
 *
 * <h2>Before it is connected</h2>
 * Writes, {@link #closeWrite()} and {@link #setReadDisable} are accepted at once: bytes are queued and sent, then the
 * FIN, once {@code CONNECTED}. The queue has no bound of its own: a filter that writes before the connection is
 * established should stop reading its own source meanwhile ({@code tcp_proxy} disables reading the downstream until
 * {@code CONNECTED}). {@link #close} before {@code CONNECTED} cancels: the attempt is abandoned, queued bytes are
 * dropped, the circuit-breaker slot is returned and no callback follows.
 *
 * <h2>Ending it (FILTER-CONTRACT.md R5)</h2>
 * Three ways, which the peer can tell apart:
 * <ul>
 *   <li>{@link #closeWrite()}: a FIN after the bytes written before it (TCP half-close); reading goes on. Once both
 *       sides have sent their FIN, the connection closes ({@code REMOTE_CLOSE}).</li>
 *   <li>{@link #close close(FLUSH_WRITE)}: everything written is sent, then a FIN, then the connection closes. A flush
 *       that makes no progress for the downstream listener's {@code connection_idle_timeout} (the peer reads
 *       nothing) is given up with a reset.</li>
 *   <li>{@link #close close(NO_FLUSH)}: closes now, with a FIN if nothing was pending, else with a reset (TCP RST),
 *       so a cut stream never looks complete. {@link #resetAfterFlush()}: everything written is handed to the
 *       socket, then a reset: the peer learns that the stream it was getting was cut (what {@code tcp_proxy} does
 *       when the client reset its side). Resets are counted as the cluster's and host's {@code connections_reset}.
 *       A unix-socket upstream has no reset and gets an EOF instead.</li>
 * </ul>
 * The connection never outlives the downstream connection that opened it: when that one closes, after its close
 * event reached its listeners, the runtime closes ({@code NO_FLUSH}) any upstream connection of it the filter left
 * open, at once or, if the filter asked for it with {@link #lingerAfterDownstreamClose}, after a bounded grace.
 *
 * <h2>Buffers</h2>
 * {@link #write(IoBuffer)} takes over the buffer it is given: the caller must not touch it again.
 * {@link #writeFrom(IoBuffer)} moves the readable bytes of a buffer the caller does not give away (a read buffer in
 * a callback): they are drained from it and sent, without a copy when the runtime can share the memory (always for
 * the runtime's own read buffers). {@link #writeCopy} sends a copy of bytes of a buffer without draining it (an
 * observer such as a mirror), with at most one copy by the runtime.
 *
 * <h2>Flow control</h2>
 * {@link #isWritable()} and {@link UpstreamCallbacks#onWritabilityChanged} report this connection's outbound queue
 * against the water marks; {@link #setReadDisable} stops reading from the upstream. A relay pairs them: it stops
 * reading one side while the other is not writable, so memory per direction stays near the high-water mark.
 */
@Experimental
public interface UpstreamConnection {

    /**
     * The host of the current attempt: set from {@code ON_CONNECT} on, and then the connected host; {@code null}
     * before the first attempt.
     */
    HostInfo host();

    /** True from {@code CONNECTED} until the connection closes. */
    boolean isConnected();

    /** True once {@link #close} or {@link #resetAfterFlush()} was called, or the connection closed, or it failed. */
    boolean isClosed();

    /** The local address of the connected socket, or {@code null} before {@code CONNECTED}. */
    SocketAddress localAddress();

    /** The upstream's address, or {@code null} before {@code CONNECTED}. */
    SocketAddress remoteAddress();

    /**
     * Writes {@code buffer}, after the bytes written before it. Ownership passes to the runtime. Writes after
     * {@link #closeWrite()} or {@link #close} are dropped.
     */
    void write(IoBuffer buffer);

    /**
     * Moves every readable byte of {@code source} to this connection, after the bytes written before: they are
     * drained from {@code source} and sent. The runtime shares the memory of its own buffers instead of copying
     * (a zero-copy relay); other buffers are copied. {@code source} stays its owner's; its EOF flag is not carried
     * (call {@link #closeWrite()}).
     */
    void writeFrom(IoBuffer source);

    /**
     * Writes a copy of {@code length} readable bytes of {@code source} starting at {@code index}, after the bytes
     * written before: {@code source} is neither drained nor changed, stays its owner's and may be a runtime buffer
     * inside its callback (a read buffer the filter only observes, which a later filter still gets whole). The copy is
     * taken before the call returns, so {@code source} may change or be reused afterwards; its EOF flag is not carried
     * (call {@link #closeWrite()}). For a filter that sends the same bytes to another connection while the chain goes
     * on with them, such as a mirror: the runtime copies them at most once, where {@code write(IoBuffer.wrap(copy))}
     * needs the filter's copy and then the runtime's. A read buffer of the runtime's own whose memory holds little
     * more than these bytes is shared instead of copied (the runtime never writes into memory a pending write still
     * holds); anything else is copied into the runtime's own pooled memory. Like
     * {@link #write}, dropped after {@link #closeWrite()} or {@link #close}, queued before {@code CONNECTED}.
     *
     * <p>The default copies into a heap buffer and calls {@link #write}, so a runtime without its own implementation
     * behaves the same, only with one copy more.
     *
     * @throws IndexOutOfBoundsException if {@code [index, index + length)} is not within {@code source}'s readable
     *                                   bytes
     */
    @Experimental
    default void writeCopy(IoBuffer source, int index, int length) {
        java.util.Objects.checkFromIndexSize(index, length, source.length());
        byte[] bytes = new byte[length];
        source.getBytes(index, bytes, 0, length);
        write(IoBuffer.wrap(bytes));
    }

    /** Sends a FIN after the bytes written so far (TCP half-close); reading goes on. At most once. */
    void closeWrite();

    /**
     * Closes the connection: with {@link ConnectionCloseType#FLUSH_WRITE} after sending what was written (then a
     * FIN), with {@link ConnectionCloseType#NO_FLUSH} now (a reset if bytes were pending). Before {@code CONNECTED},
     * cancels. Acts at most once; the callbacks then receive {@code LOCAL_CLOSE}.
     */
    void close(ConnectionCloseType type);

    /**
     * Hands what was written to the socket, then resets the connection (see the class comment). Acts at most once,
     * like {@link #close}; before {@code CONNECTED}, cancels.
     */
    void resetAfterFlush();

    /**
     * Disables ({@code true}) or re-enables ({@code false}) reading from the upstream; calls nest as on
     * {@link io.ferry.filter.api.Connection#setReadDisable}. A read already taken from the socket is still delivered
     * (at most one read per call, and, after the upstream's FIN, what it had sent before it). May be called before
     * {@code CONNECTED}; the setting applies from the start.
     */
    void setReadDisable(boolean disable);

    /** True while reading is enabled. */
    boolean isReadEnabled();

    /** True while the outbound queue is below the high-water mark (always true before {@code CONNECTED}). */
    boolean isWritable();

    /** The longest grace {@link #lingerAfterDownstreamClose} accepts. */
    Duration MAX_LINGER = Duration.ofSeconds(60);

    /**
     * Lets this connection outlive the downstream connection that opened it by at most {@code grace}
     * (FILTER-CONTRACT.md R6.5): when the downstream closes, this connection stays open, connecting, sending what was
     * written and delivering its callbacks as before (on the same thread), until it ends by itself, the filter closes
     * it, or {@code grace} has passed since the downstream's close; then the runtime closes it ({@code NO_FLUSH},
     * {@code LOCAL_CLOSE}). For a filter that waits for an answer it only observes, such as a mirror comparing a
     * shadow's response with the primary's; a relay has no use for it. {@link Duration#ZERO}, the default, closes at
     * once. The latest call before the downstream closes counts. May be called from any thread.
     *
     * <p>A runtime that does not support it closes the connection at once, as if it had not been called.
     *
     * @throws IllegalArgumentException if {@code grace} is negative or longer than {@link #MAX_LINGER}
     */
    default void lingerAfterDownstreamClose(Duration grace) {
        checkLinger(grace);
    }

    /**
     * Checks a grace for {@link #lingerAfterDownstreamClose}: returns it, or throws.
     *
     * @throws IllegalArgumentException if {@code grace} is negative or longer than {@link #MAX_LINGER}
     */
    static Duration checkLinger(Duration grace) {
        java.util.Objects.requireNonNull(grace, "grace");
        if (grace.isNegative() || grace.compareTo(MAX_LINGER) > 0) {
            throw new IllegalArgumentException("grace: " + grace + " (expected: 0 to " + MAX_LINGER + ")");
        }
        return grace;
    }
}
