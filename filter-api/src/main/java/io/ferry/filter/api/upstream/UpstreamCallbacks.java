package io.ferry.filter.api.upstream;

import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.Experimental;
import io.ferry.filter.api.IoBuffer;

/**
 * What a filter is told about one {@link UpstreamConnection}: its events, its bytes, its writability. Passed to
 * {@link UpstreamConnector#connect}; one instance may serve several upstream connections only if it tells them apart
 * itself (usually it is the filter, or an object per upstream connection).
 *
 * <h2>Order</h2>
 * <pre>
 *   connect() ─▶ ON_CONNECT (attempt 1, {@link UpstreamConnection#host()} is its host)
 *               ─▶ CONNECT_FAILED | CONNECT_TIMEOUT ─▶ ON_CONNECT (attempt 2) ─▶ …      (up to max_connect_attempts)
 *               ─▶ CONNECTED ─▶ onData … onWritabilityChanged … [REMOTE_HALF_CLOSE] [ON_READ_TIMEOUT]
 *                            ─▶ exactly one close event: LOCAL_CLOSE | REMOTE_CLOSE | ON_READ_ERR_CLOSE
 *               or ─▶ {@link #onConnectFailure} (instead of CONNECTED; no close event follows)
 * </pre>
 * A failure found before any attempt (no such cluster, the circuit breaker, no host) gives {@link #onConnectFailure}
 * without any {@code ON_CONNECT}. After the filter {@linkplain UpstreamConnection#close closes} a connection that is
 * not yet {@code CONNECTED}, no callback is made any more; once it is {@code CONNECTED}, its close event always comes.
 *
 * <h2>Threading</h2>
 * Every callback runs on the thread of the downstream connection whose filter called
 * {@link UpstreamConnector#connect}, one at a time with that connection's own callbacks, and never from inside
 * {@code connect()} itself: the filter always has the {@link UpstreamConnection} before the first callback. A filter
 * that relays between the two connections therefore needs no lock. Callbacks must not block.
 *
 * <h2>Buffers</h2>
 * The buffer passed to {@link #onData} is the upstream connection's read buffer, owned by the runtime and valid only
 * during the call, exactly like a downstream read buffer ({@link io.ferry.filter.api.ReadFilter#onData}). Bytes the
 * filter does not drain stay in it and are presented again with the next read appended. To relay them without a copy,
 * call {@link io.ferry.filter.api.Connection#writeFrom} with it, which moves (and drains) them.
 */
@Experimental
public interface UpstreamCallbacks {

    /**
     * An event of the upstream connection, in the order shown above.
     * <ul>
     *   <li>{@link ConnectionEvent#ON_CONNECT}: an attempt starts; {@link UpstreamConnection#host()} is its host.</li>
     *   <li>{@link ConnectionEvent#CONNECT_TIMEOUT}: that attempt timed out after the cluster's
     *       {@code connect_timeout}; {@link ConnectionEvent#CONNECT_FAILED}: it failed otherwise (refused,
     *       unreachable). Another attempt may follow.</li>
     *   <li>{@link ConnectionEvent#CONNECTED}: established; writes queued before it were sent.</li>
     *   <li>{@link ConnectionEvent#REMOTE_HALF_CLOSE}: the upstream sent its FIN; every byte before it was given to
     *       {@link #onData}. The connection can still write.</li>
     *   <li>{@link ConnectionEvent#ON_READ_TIMEOUT}: the cluster's {@code idle_timeout} passed without a byte either
     *       way; the runtime closes the connection right after this callback ({@code LOCAL_CLOSE} follows).</li>
     *   <li>The close event, once: {@link ConnectionEvent#LOCAL_CLOSE} (closed by the filter, or by the runtime: the
     *       idle timeout, the downstream connection's end), {@link ConnectionEvent#REMOTE_CLOSE} (both directions
     *       ended with a FIN), {@link ConnectionEvent#ON_READ_ERR_CLOSE} (the upstream reset the connection, a socket
     *       error, or it ended without its FIN: its stream was cut).</li>
     * </ul>
     */
    void onEvent(ConnectionEvent event);

    /**
     * Bytes read from the upstream.
     *
     * @param buffer the upstream connection's read buffer: every byte not yet drained. Owned by the runtime, valid
     *               only during this call; its {@link IoBuffer#isEof()} is true once the upstream sent its FIN
     */
    void onData(IoBuffer buffer);

    /**
     * The connection could not be established; no other callback follows. The filter usually closes its downstream
     * connection.
     */
    void onConnectFailure(UpstreamFailure failure);

    /**
     * The upstream connection's outbound queue crossed a water mark (see
     * {@link io.ferry.filter.api.WritabilityListener}): {@code false} above the high-water mark, {@code true} again
     * below the low-water mark. A relay stops reading the other side meanwhile.
     */
    default void onWritabilityChanged(boolean writable) {
    }
}
