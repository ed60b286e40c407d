package com.example.ferry.router;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.upstream.UpstreamRoute;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The read filter of one connection: holds the connection until its preamble line arrived, strips it, and routes the
 * connection by leaving an {@link UpstreamRoute} under {@link UpstreamRoute#KEY} in the connection's filter state,
 * where {@code tcp_proxy} finds it when the chain reaches it.
 *
 * <ol>
 *   <li>{@link #onNewConnection()} returns {@code STOP}: the chain does not reach {@code tcp_proxy}, which therefore
 *       does not dial yet (the cluster is not known). Reading stays enabled: the preamble must be read.</li>
 *   <li>{@link #onData} returns {@code STOP} without draining while the preamble is incomplete (the bytes stay in the
 *       read buffer and come again with the next read). At most {@code max_preamble_bytes} are held.</li>
 *   <li>Once the line is complete and names an allowed cluster, the filter sets the route, drains the line, and
 *       returns {@code CONTINUE}: the same pass reaches {@code tcp_proxy}, which dials that cluster and relays what
 *       follows the preamble. From then on every byte passes through unchanged.</li>
 *   <li>A preamble that is malformed, too long, names another cluster, or does not arrive within
 *       {@code preamble_timeout_ms}, closes the connection ({@code NO_FLUSH}) before any upstream is dialled.</li>
 * </ol>
 * The timeout runs on the environment's timer thread, off the connection's thread: it hops back with
 * {@link Connection#execute} before it touches the filter's state. All other calls come from the connection's
 * thread; the filter needs no lock, keeps no buffer and copies only the preamble.
 */
final class PreambleRouterFilter implements ReadFilter {

    private static final byte[] VERB = "ROUTE ".getBytes(StandardCharsets.US_ASCII);

    private enum State { AWAITING, ROUTED, REJECTED }

    private final PreambleRouterFactory factory;
    private ReadFilterCallbacks callbacks;
    private State state = State.AWAITING;
    private FilterScheduler.Cancellable timeout;

    PreambleRouterFilter(PreambleRouterFactory factory) {
        this.factory = factory;
    }

    @Override
    public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onNewConnection() {
        if (factory.timeoutMillis > 0) {
            Connection c = callbacks.connection();
            timeout = factory.environment.scheduler().schedule(() -> c.execute(() -> {
                if (state == State.AWAITING && !c.isClosed()) {
                    reject();
                }
            }), factory.timeoutMillis, TimeUnit.MILLISECONDS);
        }
        return FilterStatus.STOP;
    }

    @Override
    public FilterStatus onData(IoBuffer buffer) {
        if (state == State.ROUTED) {
            return FilterStatus.CONTINUE;
        }
        if (state == State.REJECTED) {
            buffer.drain(buffer.length());
            return FilterStatus.STOP;
        }
        int end = -1;
        int scan = Math.min(buffer.length(), factory.maxPreambleBytes);
        for (int i = 0; i < scan; i++) {
            if (buffer.getByte(i) == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            if (buffer.length() >= factory.maxPreambleBytes || buffer.isEof()) {
                reject();
            }
            return FilterStatus.STOP;   // hold the bytes, undrained, until the line is complete
        }
        UpstreamRoute route = parse(buffer, end);
        if (route == null) {
            reject();
            return FilterStatus.STOP;
        }
        callbacks.connection().filterState().set(UpstreamRoute.KEY, route);
        buffer.drain(end + 1);   // strip the preamble
        state = State.ROUTED;
        factory.routed.increment();
        if (timeout != null) {
            timeout.cancel();
        }
        return FilterStatus.CONTINUE;   // tcp_proxy, reached in this pass, dials the route's cluster
    }

    /** {@code ROUTE <cluster>[ <key>]} in the first {@code end} bytes, or {@code null}. */
    private UpstreamRoute parse(IoBuffer buffer, int end) {
        int len = end > 0 && buffer.getByte(end - 1) == '\r' ? end - 1 : end;
        if (len <= VERB.length) {
            return null;
        }
        for (int i = 0; i < VERB.length; i++) {
            if (buffer.getByte(i) != VERB[i]) {
                return null;
            }
        }
        byte[] line = new byte[len - VERB.length];
        buffer.getBytes(VERB.length, line, 0, line.length);
        String[] words = new String(line, StandardCharsets.US_ASCII).split(" ", -1);
        if (words.length > 2 || !factory.clusters.contains(words[0])) {
            return null;
        }
        UpstreamRoute route = UpstreamRoute.toCluster(words[0]);
        if (words.length == 2) {
            if (words[1].isEmpty()) {
                return null;
            }
            route = route.withHashKey(fnv1a64(words[1].getBytes(StandardCharsets.US_ASCII)));
        }
        return route;
    }

    /** FNV-1a, 64 bits: a small, well-spread hash for the routing key. */
    static long fnv1a64(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private void reject() {
        state = State.REJECTED;
        factory.rejected.increment();
        if (timeout != null) {
            timeout.cancel();
        }
        callbacks.connection().close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
    }

    @Override
    public String toString() {
        return "PreambleRouterFilter(" + state + ")";
    }
}
