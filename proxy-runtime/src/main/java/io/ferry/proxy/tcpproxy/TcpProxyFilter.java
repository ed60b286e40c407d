package io.ferry.proxy.tcpproxy;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.ConnectionEventListener;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.WritabilityListener;
import io.ferry.filter.api.upstream.UpstreamCallbacks;
import io.ferry.filter.api.upstream.UpstreamConnection;
import io.ferry.filter.api.upstream.UpstreamFailure;
import io.ferry.filter.api.upstream.UpstreamRoute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection relay of {@code tcp_proxy}: one instance per downstream connection. It is written on
 * {@code filter-api} alone, as a third party could write it: its upstream connection comes from
 * {@link ReadFilterCallbacks#upstreams()}, and everything of both connections runs on the downstream connection's
 * thread, so it takes no lock.
 *
 * <h2>Setup (MOSN streamproxy.go)</h2>
 * Nothing happens until the chain reaches the filter: a filter before it may hold the connection (FILTER-CONTRACT.md
 * R1.4, R1.12, R1.13). In {@link #onNewConnection} the cluster is chosen: the cluster of an {@link UpstreamRoute}
 * that an earlier filter left under {@link UpstreamRoute#KEY}, else {@link TcpProxyConfig#select} ({@code cluster},
 * or the first matching {@code routes[]} entry); a route's host hint (hash key, explicit host) goes with it. Then
 * downstream reading is disabled (the client's bytes wait in the kernel) and the upstream connection is opened with
 * {@code max_connect_attempts} (default {@code min(hosts, 3)}); the runtime applies the cluster's load balancer,
 * connect timeout, circuit breaker, {@code mark}, {@code idle_timeout} and counters. Reading is enabled again once the
 * upstream is {@code CONNECTED}. When it cannot be established the downstream is closed
 * {@code NO_FLUSH}/{@code LOCAL_CLOSE}, without a byte sent to the client.
 *
 * <h2>Relay without copying</h2>
 * Both directions move buffers with {@code writeFrom}: the downstream's read buffer to the upstream connection, the
 * upstream's read buffer to the downstream connection (through its write filters). The runtime hands the memory over
 * instead of copying it. {@link #onData} returns {@link FilterStatus#STOP} like MOSN, so filters after
 * {@code tcp_proxy} never see data.
 *
 * <h2>Back-pressure</h2>
 * While the upstream connection is not writable (its queue passed the high-water mark), downstream reading is
 * disabled, nested with other disables, until it drains below the low-water mark; while the downstream is not
 * writable, upstream reading is disabled likewise.
 *
 * <h2>Ends of streams (FILTER-CONTRACT.md R5)</h2>
 * The client's FIN is forwarded as a FIN once every byte before it was written to the upstream: with the last bytes
 * (the read buffer's EOF flag), or at {@code REMOTE_HALF_CLOSE} when no filter before this one still holds bytes
 * ({@link ReadFilterCallbacks#bufferedBytes()} is 0). The upstream's FIN becomes the client's FIN. Either order works;
 * the pair closes when both directions have ended. A reset, read error or close without a FIN on one side: the bytes
 * already read from it are handed to the other side's socket, then the other side is reset
 * ({@code resetAfterFlush}). A close the proxy decides (a filter, the idle timeout) closes the other side without
 * flushing: a reset if bytes towards it are pending, a FIN otherwise. A FIN therefore always means the stream is
 * complete; resets are counted by the runtime ({@code connections_reset} of the listener, cluster and host).
 */
final class TcpProxyFilter implements ReadFilter, ConnectionEventListener, WritabilityListener {

    private static final Logger LOG = LoggerFactory.getLogger(TcpProxyFilter.class);

    private final TcpProxyConfig config;
    private final String listener;
    private final Upstream upstreamCallbacks = new Upstream();
    private ReadFilterCallbacks callbacks;
    private Connection downstream;
    private UpstreamConnection upstream;
    private String cluster;
    /** Downstream reading is disabled by us until the upstream is connected. */
    private boolean connectHold;
    /** The client sent its FIN. */
    private boolean downstreamEof;
    /** The client's FIN was passed on to the upstream. */
    private boolean finForwarded;
    private boolean downstreamClosed;
    private boolean upstreamEof;
    /** Downstream reading is disabled by us because the upstream is not writable. */
    private boolean pausedByUpstream;
    /** Upstream reading is disabled by us because the downstream is not writable. */
    private boolean pausedByDownstream;

    TcpProxyFilter(TcpProxyConfig config, String listener) {
        this.config = config;
        this.listener = listener;
    }

    /**
     * Registers for the downstream's events and writability. Reading is not touched here: until the chain reaches this
     * filter, a filter before it may hold the connection and read meanwhile (R1.4).
     */
    @Override
    public void initializeReadFilterCallbacks(ReadFilterCallbacks cb) {
        this.callbacks = cb;
        this.downstream = cb.connection();
        downstream.addConnectionEventListener(this);
        downstream.addWritabilityListener(this);
    }

    /** The chain reached the filter: chooses the cluster and dials, once. */
    @Override
    public FilterStatus onNewConnection() {
        Connection c = downstream;
        UpstreamRoute hint = c.filterState().get(UpstreamRoute.KEY);
        cluster = hint != null && hint.cluster() != null ? hint.cluster() : config.select(c.remoteAddress(),
                c.localAddress());
        if (cluster == null) {
            LOG.warn("[{}] connection {} from {}: tcp_proxy found no route, closing it", listener, c.id(),
                    c.remoteAddress());
            c.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
            return FilterStatus.STOP;
        }
        UpstreamRoute route = hint == null ? UpstreamRoute.toCluster(cluster) : hint.withCluster(cluster);
        connectHold = true;
        c.setReadDisable(true);
        upstream = callbacks.upstreams().connect(route, config.maxConnectAttempts(), upstreamCallbacks);
        if (!c.isWritable()) {
            pausedByDownstream = true;
            upstream.setReadDisable(true);
        }
        if (downstreamEof && callbacks.bufferedBytes() == 0) {
            forwardFin();   // the client's FIN came while a filter before us held the connection, with no byte left
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus onData(IoBuffer buffer) {
        boolean eof = buffer.isEof();
        if (upstream != null) {
            upstream.writeFrom(buffer);
        } else {
            buffer.drain(buffer.length());
        }
        if (eof) {
            downstreamEof = true;
            forwardFin();
        }
        return FilterStatus.STOP;
    }

    private void forwardFin() {
        if (!finForwarded && upstream != null) {
            finForwarded = true;
            upstream.closeWrite();
        }
    }

    /** Downstream events. */
    @Override
    public void onEvent(ConnectionEvent event) {
        if (event == ConnectionEvent.REMOTE_HALF_CLOSE) {
            downstreamEof = true;
            if (callbacks.bufferedBytes() == 0) {
                forwardFin();
            }
            return;
        }
        if (!event.isClose() || downstreamClosed) {
            return;
        }
        downstreamClosed = true;
        if (upstream != null) {
            endUpstream(event);
        }
    }

    /**
     * The downstream closed: ends the upstream accordingly (FILTER-CONTRACT.md R5.3 to R5.5). If the client's FIN was
     * passed on, its stream is complete: the upstream is closed once what is pending is sent. Otherwise the client's
     * stream was cut: a reset, an error, or a close without a FIN gives the upstream the pending bytes, then a reset;
     * a close the proxy decided (a filter, the idle timeout) closes the upstream at once, with a reset if bytes towards
     * it are pending. An upstream still connecting is abandoned.
     */
    private void endUpstream(ConnectionEvent event) {
        if (finForwarded) {
            upstream.close(ConnectionCloseType.FLUSH_WRITE);
        } else if (event == ConnectionEvent.LOCAL_CLOSE) {
            upstream.close(ConnectionCloseType.NO_FLUSH);
        } else {
            LOG.debug("connection {}: the client's stream was cut ({}); resetting the upstream after what is pending",
                    downstream.id(), event);
            upstream.resetAfterFlush();
        }
    }

    /** Downstream writability: stop reading the upstream while the client does not keep up. */
    @Override
    public void onWritabilityChanged(boolean writable) {
        if (upstream == null) {
            return;
        }
        if (!writable && !pausedByDownstream) {
            pausedByDownstream = true;
            upstream.setReadDisable(true);
        } else if (writable && pausedByDownstream) {
            pausedByDownstream = false;
            upstream.setReadDisable(false);
        }
    }

    /** The upstream connection's side of the relay. */
    private final class Upstream implements UpstreamCallbacks {

        @Override
        public void onEvent(ConnectionEvent event) {
            switch (event) {
                case CONNECTED -> {
                    callbacks.setUpstreamHost(upstream.host());
                    if (connectHold) {
                        connectHold = false;
                        downstream.setReadDisable(false);
                    }
                }
                case REMOTE_HALF_CLOSE -> {
                    upstreamEof = true;
                    downstream.closeWrite();
                }
                case ON_READ_TIMEOUT -> {
                    // The cluster's idle_timeout (the runtime closes the upstream next); as in MOSN, the client too.
                    LOG.debug("connection {}: upstream {} idle for the cluster's idle_timeout, closing it",
                            downstream.id(), upstream.host());
                    downstream.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
                }
                case LOCAL_CLOSE, REMOTE_CLOSE, ON_READ_ERR_CLOSE -> upstreamClosed(event);
                default -> {
                    // ON_CONNECT, CONNECT_FAILED, CONNECT_TIMEOUT: the runtime counts and logs the attempts
                }
            }
        }

        /**
         * The upstream closed while the client is still there. After the upstream's FIN (its stream is complete) the
         * client is closed once everything is flushed; otherwise every byte the upstream sent reaches the client,
         * then the client is reset. Closed by the runtime (a callback failed): the client is closed too.
         */
        private void upstreamClosed(ConnectionEvent event) {
            if (downstreamClosed || downstream.isClosed()) {
                return;
            }
            if (event == ConnectionEvent.REMOTE_CLOSE && upstreamEof) {
                downstream.close(ConnectionCloseType.FLUSH_WRITE, ConnectionEvent.REMOTE_CLOSE);
            } else if (event == ConnectionEvent.LOCAL_CLOSE) {
                downstream.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
            } else {
                downstream.resetAfterFlush(ConnectionEvent.LOCAL_CLOSE);
            }
        }

        @Override
        public void onData(IoBuffer buffer) {
            downstream.writeFrom(buffer);
        }

        @Override
        public void onConnectFailure(UpstreamFailure failure) {
            LOG.debug("connection {}: no upstream connection to cluster {} ({}), closing it", downstream.id(), cluster,
                    failure);
            downstream.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        }

        /** Upstream writability: stop reading the client while the upstream does not keep up. */
        @Override
        public void onWritabilityChanged(boolean writable) {
            if (downstreamClosed) {
                return;
            }
            if (!writable && !pausedByUpstream) {
                pausedByUpstream = true;
                downstream.setReadDisable(true);
            } else if (writable && pausedByUpstream) {
                pausedByUpstream = false;
                downstream.setReadDisable(false);
            }
        }
    }
}
