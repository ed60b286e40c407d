package io.ferry.testkit.embedded;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.ConnectionEventListener;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.WritabilityListener;
import io.ferry.filter.api.upstream.UpstreamCallbacks;
import io.ferry.filter.api.upstream.UpstreamConnection;
import io.ferry.filter.api.upstream.UpstreamFailure;
import io.ferry.filter.api.upstream.UpstreamRoute;

import java.util.Objects;

/**
 * A terminal filter that behaves like the runtime's {@code tcp_proxy}, for putting a filter under test in front of
 * what it will meet in the proxy. Like {@code tcp_proxy} it
 * <ul>
 *   <li>does nothing until the chain reaches it (it never disables reading before), so a filter in front of it decides
 *       when the upstream is dialled;</li>
 *   <li>when reached ({@code onNewConnection}), reads the {@link UpstreamRoute} an earlier filter left under
 *       {@link UpstreamRoute#KEY} (else uses its own cluster), disables reading until the upstream is
 *       {@code CONNECTED} (calls nest, so a filter that left its own disable in place keeps reading off), and dials
 *       through {@code ReadFilterCallbacks.upstreams()}, which the harness backs with the environment's
 *       {@link EmbeddedClusters};</li>
 *   <li>relays both ways with {@code writeFrom}, drains what it gets and returns {@code STOP}, so no filter after it
 *       sees data; forwards the client's FIN once every byte before it was relayed, the upstream's FIN as the
 *       client's; a cut stream is passed on as a reset; back-pressure both ways;</li>
 *   <li>closes the client when the upstream cannot be reached.</li>
 * </ul>
 *
 * <pre>{@code
 * EmbeddedEnvironment env = new EmbeddedEnvironment();
 * env.clusters().add("backend");
 * EmbeddedFilterChain chain = EmbeddedFilterChain.builder().environment(env)
 *         .readFilter(new MyGuard())
 *         .factory(EmbeddedTcpProxy.TYPE, EmbeddedTcpProxy.factory("backend")).captureInbound(false)
 *         .build();
 * chain.writeInbound("hello");
 * assertTrue(EmbeddedTcpProxy.of(chain).reached());
 * assertEquals("hello", EmbeddedTcpProxy.of(chain).upstream().receivedString());
 * }</pre>
 *
 * <p>The contract kit puts it behind the filter under test for rules R1.12 and R1.13 (FILTER-CONTRACT.md).
 */
public final class EmbeddedTcpProxy implements ReadFilter, ConnectionEventListener, WritabilityListener {

    /** The type under which {@link #factory} is usually added. */
    public static final String TYPE = "ferry.testkit.tcp_proxy";

    private final String cluster;
    private final Upstream upstreamCallbacks = new Upstream();
    private ReadFilterCallbacks callbacks;
    private Connection downstream;
    private UpstreamConnection upstream;
    private boolean reached;
    private boolean connectHold;
    private boolean downstreamEof;
    private boolean finForwarded;
    private boolean downstreamClosed;
    private boolean upstreamEof;
    private boolean pausedByUpstream;
    private boolean pausedByDownstream;
    private UpstreamFailure failure;

    private EmbeddedTcpProxy(String cluster) {
        this.cluster = cluster;
    }

    /** A factory adding a new stand-in per connection, connecting to {@code cluster} unless a filter routes it. */
    public static NetworkFilterChainFactory factory(String cluster) {
        Objects.requireNonNull(cluster, "cluster");
        return (context, cb) -> cb.addReadFilter(new EmbeddedTcpProxy(cluster));
    }

    /**
     * The stand-in of {@code chain}.
     *
     * @throws IllegalArgumentException if the chain has none
     */
    public static EmbeddedTcpProxy of(EmbeddedFilterChain chain) {
        for (ReadFilter f : chain.connection().readFilters()) {
            if (f instanceof EmbeddedTcpProxy p) {
                return p;
            }
        }
        throw new IllegalArgumentException("the chain has no EmbeddedTcpProxy: add EmbeddedTcpProxy.factory(...)");
    }

    /** True once the chain reached it ({@code onNewConnection}) and it dialled. */
    public boolean reached() {
        return reached;
    }

    /** The upstream connection it opened, or {@code null} before it was reached (or if no route named a cluster). */
    public EmbeddedUpstream upstream() {
        return upstream instanceof EmbeddedUpstream e ? e : null;
    }

    /** Why its upstream connection could not be established, or {@code null}. */
    public UpstreamFailure failure() {
        return failure;
    }

    @Override
    public void initializeReadFilterCallbacks(ReadFilterCallbacks cb) {
        this.callbacks = cb;
        this.downstream = cb.connection();
        downstream.addConnectionEventListener(this);
        downstream.addWritabilityListener(this);
    }

    @Override
    public FilterStatus onNewConnection() {
        reached = true;
        UpstreamRoute hint = downstream.filterState().get(UpstreamRoute.KEY);
        UpstreamRoute route = hint == null ? UpstreamRoute.toCluster(cluster)
                : hint.cluster() == null ? hint.withCluster(cluster) : hint;
        connectHold = true;
        downstream.setReadDisable(true);
        upstream = callbacks.upstreams().connect(route, 0, upstreamCallbacks);
        if (!downstream.isWritable()) {
            pausedByDownstream = true;
            upstream.setReadDisable(true);
        }
        if (downstreamEof && callbacks.bufferedBytes() == 0) {
            forwardFin();
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
        if (upstream == null) {
            return;
        }
        if (finForwarded) {
            upstream.close(ConnectionCloseType.FLUSH_WRITE);
        } else if (event == ConnectionEvent.LOCAL_CLOSE) {
            upstream.close(ConnectionCloseType.NO_FLUSH);
        } else {
            upstream.resetAfterFlush();
        }
    }

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

    @Override
    public String toString() {
        return "EmbeddedTcpProxy(" + cluster + (reached ? ", reached" : "") + ")";
    }

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
                case ON_READ_TIMEOUT -> downstream.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
                case LOCAL_CLOSE, REMOTE_CLOSE, ON_READ_ERR_CLOSE -> {
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
                default -> {
                }
            }
        }

        @Override
        public void onData(IoBuffer buffer) {
            downstream.writeFrom(buffer);
        }

        @Override
        public void onConnectFailure(UpstreamFailure f) {
            failure = f;
            downstream.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        }

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
