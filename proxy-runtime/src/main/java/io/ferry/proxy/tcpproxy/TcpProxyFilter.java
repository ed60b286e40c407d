package io.ferry.proxy.tcpproxy;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.ConnectionEventListener;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.chain.ByteBufIoBuffer;
import io.ferry.filter.chain.ChainConnection;
import io.ferry.proxy.cluster.Cluster;
import io.ferry.proxy.cluster.Host;
import io.ferry.proxy.cluster.LbContext;
import io.ferry.proxy.runtime.IdleGuard;
import io.ferry.proxy.runtime.ChannelSupport;
import io.ferry.proxy.runtime.NettyTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * The per-connection relay of {@code tcp_proxy}: one instance per downstream connection, all of whose methods run
 * on the downstream connection's event loop; the upstream channel is opened on that same loop, so neither side ever
 * needs a lock.
 *
 * <h2>Setup (MOSN streamproxy.go)</h2>
 * Downstream reading is disabled when the filter is added and enabled once the upstream is connected. The cluster is
 * chosen by {@link TcpProxyConfig#select}; the circuit breaker ({@code max_connections}) is checked; then up to
 * {@code max_connect_attempts} connects (default {@code min(hosts, 3)}), each to a host the load balancer picks,
 * each bounded by the cluster's {@code connect_timeout} (one attempt for an ORIGINAL_DST cluster). The filter is the
 * load balancer's {@link LbContext}: the client's address ({@code LB_MAGLEV}), the original destination
 * ({@code LB_ORIGINAL_DST}) and the previous attempt's host ({@code LB_REQUEST_ROUNDROBIN}). Each connect's duration
 * feeds the host's latency average ({@code LB_PEAK_EWMA}). With the cluster's {@code idle_timeout}, an upstream that
 * carries no byte for that long is closed, and the client with it. When every attempt fails the downstream is closed
 * {@code NO_FLUSH}/{@code LOCAL_CLOSE} and the cluster's {@code connections_no_upstream} counter is raised.
 *
 * <h2>Relay without copying</h2>
 * Downstream→upstream: {@link #onData} takes a retained slice of the read buffer's {@code ByteBuf}, drains it, and
 * writes the slice to the upstream. Upstream→downstream: each {@code ByteBuf} read from the upstream is passed, with
 * its ownership, to {@link ChainConnection#write(ByteBuf)}, so the downstream's write filters see it. Returns
 * {@link FilterStatus#STOP} like MOSN, so filters after {@code tcp_proxy} never see data.
 *
 * <h2>Flushes</h2>
 * The bytes of one read batch (Netty reads up to 16 times per readiness event) are written without flushing and
 * flushed once when the batch ends, on both sides: fewer system calls for bulk transfers, no delay for
 * request/response traffic (a batch of one read is flushed right after it).
 *
 * <h2>Back-pressure</h2>
 * When the upstream socket's queue passes its high-water mark, downstream reading is disabled (nested with other
 * disables) until it drains below the low-water mark; when the downstream's queue is full, upstream auto-read is
 * turned off likewise. Netty checks auto-read after each read, so at most one read buffer overshoots the mark.
 *
 * <h2>Ends of streams (FILTER-CONTRACT.md R5)</h2>
 * A FIN from either side is forwarded as a FIN once every byte read before it has been written to the other side's
 * socket, so a client that shuts down its write side still receives the whole response (MOSN loses it), in either
 * order of FINs. The connection pair closes when both directions have ended. A reset, read error or close without a
 * FIN on one side: the bytes already read from that side are handed to the other side's socket, then the other side
 * is reset. A close the proxy decides
 * (a filter, the idle timeout) resets a side towards which bytes are still pending, and closes it with a FIN
 * otherwise. A FIN therefore always means the stream is complete; every reset is counted ({@code connections_reset}
 * of the listener, cluster and host). Closing after a flush that makes no progress for the listener's
 * {@code connection_idle_timeout} resets the connection.
 */
final class TcpProxyFilter implements ReadFilter, ConnectionEventListener, Consumer<Boolean>, ChannelFutureListener,
        LbContext {

    private static final Logger LOG = LoggerFactory.getLogger(TcpProxyFilter.class);

    private final TcpProxyConfig config;
    private ReadFilterCallbacks callbacks;
    private ChainConnection downstream;
    private NettyTransport downstreamTransport;
    private Channel downstreamChannel;
    private boolean upstreamFlushPending;
    private Cluster cluster;
    private Host host;
    private ChannelFuture connecting;
    private Channel upstream;
    /** {@link System#nanoTime()} when the current connect attempt started, then when the upstream connected. */
    private long upstreamSince;
    private CompositeByteBuf pending;
    private int attemptsLeft;
    private boolean slotHeld;
    private boolean downstreamEof;
    private boolean downstreamClosed;
    private boolean pausedByUpstream;
    private boolean upstreamFailed;
    private boolean upstreamEof;
    private int lastHostIndex = -1;
    private IdleGuard upstreamIdle;

    TcpProxyFilter(TcpProxyConfig config) {
        this.config = config;
    }

    @Override
    public void initializeReadFilterCallbacks(ReadFilterCallbacks cb) {
        this.callbacks = cb;
        Connection c = cb.connection();
        if (c instanceof ChainConnection cc && cc.transport() instanceof NettyTransport nt) {
            downstream = cc;
            downstreamTransport = nt;
            downstreamChannel = nt.channel();
            nt.onReadComplete(this::flushUpstream);
            cc.addConnectionEventListener(this);
            cc.addWritabilityListener(this);
            cc.setReadDisable(true);
        }
    }

    @Override
    public FilterStatus onNewConnection() {
        Connection c = callbacks.connection();
        if (downstream == null) {
            LOG.error("connection {}: tcp_proxy needs the Ferry proxy runtime's Netty transport, closing it", c.id());
            c.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
            return FilterStatus.STOP;
        }
        cluster = config.select(c.remoteAddress(), c.localAddress());
        if (cluster == null) {
            LOG.warn("[{}] connection {} from {}: tcp_proxy found no route, closing it", downstream.listener().name(),
                    c.id(), c.remoteAddress());
            c.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
            return FilterStatus.STOP;
        }
        if (!cluster.tryAcquireConnection()) {
            LOG.debug("connection {}: cluster {} has max_connections {} open, closing it", c.id(), cluster.name(),
                    cluster.maxConnections());
            c.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
            return FilterStatus.STOP;
        }
        slotHeld = true;
        attemptsLeft = config.maxConnectAttempts() > 0 ? config.maxConnectAttempts()
                : cluster.defaultConnectAttempts();
        connectNext();
        return FilterStatus.CONTINUE;
    }

    private void connectNext() {
        if (attemptsLeft-- <= 0) {
            giveUp();
            return;
        }
        host = cluster.chooseHost(this);
        if (host == null) {
            connectNext();
            return;
        }
        upstreamSince = System.nanoTime();
        connecting = cluster.connect(downstreamChannel.eventLoop(), host, new Upstream());
        connecting.addListener(this);
    }

    private void giveUp() {
        cluster.stats().noUpstream();
        releaseSlot();
        LOG.debug("connection {}: no upstream of cluster {} could be reached, closing it", downstream.id(),
                cluster.name());
        downstream.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
    }

    /** The result of a connect attempt. */
    @Override
    public void operationComplete(ChannelFuture f) {
        if (f != connecting) {
            f.channel().close();
            return;
        }
        connecting = null;
        if (!f.isSuccess()) {
            host.stats().connectFailed();
            cluster.stats().connectFailed();
            LOG.debug("connection {}: connecting to {} failed: {}", downstream.id(), host, f.cause().toString());
            connectNext();
            return;
        }
        Channel ch = f.channel();
        upstream = ch;
        long now = System.nanoTime();
        host.recordConnectLatency(now - upstreamSince, now);
        long idleNanos = cluster.idleTimeout().toNanos();
        if (idleNanos > 0) {
            upstreamIdle = IdleGuard.start(ch, idleNanos, this::onUpstreamIdle);
        }
        host.stats().connected(now - upstreamSince);
        cluster.stats().connected(now - upstreamSince);
        upstreamSince = now;
        callbacks.setUpstreamHost(host);
        ChannelSupport.setAutoRead(ch, downstreamChannel.isWritable());
        if (pending != null) {
            ByteBuf p = pending;
            pending = null;
            write(p);
        }
        if (downstreamEof) {
            ChannelSupport.shutdownOutputAfterFlush(ch);
        }
        downstream.setReadDisable(false);
    }

    @Override
    public FilterStatus onData(IoBuffer buffer) {
        int n = buffer.length();
        if (upstream != null) {
            write(take(buffer, n));
        } else if (connecting != null) {
            if (pending == null) {
                pending = downstreamChannel.alloc().compositeBuffer();
            }
            pending.addComponent(true, take(buffer, n));
        } else {
            buffer.drain(n);
        }
        return FilterStatus.STOP;
    }

    /**
     * The cluster's {@code idle_timeout}: nothing read from or written to the upstream for that long. As in MOSN, the
     * upstream is closed and so is the client (nothing is pending either way, so both get a FIN).
     */
    private void onUpstreamIdle() {
        LOG.debug("connection {}: upstream {} idle for the cluster's idle_timeout {}, closing it", downstream.id(),
                host, cluster.idleTimeout());
        downstream.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
    }

    // ---- LbContext: what the load balancer knows of this connection -------------------------------------------

    @Override
    public java.net.SocketAddress downstreamRemoteAddress() {
        return downstream.remoteAddress();
    }

    @Override
    public java.net.SocketAddress originalDestination() {
        return downstreamTransport.originalDestination();
    }

    @Override
    public int lastHostIndex() {
        return lastHostIndex;
    }

    @Override
    public void lastHostIndex(int index) {
        lastHostIndex = index;
    }

    private void write(ByteBuf data) {
        int n = data.readableBytes();
        if (upstreamIdle != null) {
            upstreamIdle.touch();
        }
        host.stats().bytesOut(n);
        cluster.stats().bytesOut(n);
        if (downstreamTransport.inReadBatch()) {
            // Flushed once at the end of the downstream's read batch (flushUpstream).
            upstreamFlushPending = true;
            upstream.write(data, upstream.voidPromise());
        } else {
            upstream.writeAndFlush(data, upstream.voidPromise());
        }
    }

    private void flushUpstream() {
        if (upstreamFlushPending) {
            upstreamFlushPending = false;
            if (upstream != null) {
                upstream.flush();
            }
        }
    }

    /** The first {@code n} bytes of {@code buffer} as a buffer of our own, drained from it; no copy when possible. */
    private static ByteBuf take(IoBuffer buffer, int n) {
        if (buffer instanceof ByteBufIoBuffer b) {
            ByteBuf bb = b.unwrap();
            ByteBuf slice = bb.retainedSlice(bb.readerIndex(), n);
            buffer.drain(n);
            return slice;
        }
        byte[] copy = new byte[n];
        buffer.getBytes(0, copy, 0, n);
        buffer.drain(n);
        return Unpooled.wrappedBuffer(copy);
    }

    /** Downstream events. */
    @Override
    public void onEvent(ConnectionEvent event) {
        if (event == ConnectionEvent.REMOTE_HALF_CLOSE) {
            downstreamEof = true;
            if (upstream != null) {
                ChannelSupport.shutdownOutputAfterFlush(upstream);
            }
            return;
        }
        if (!event.isClose() || downstreamClosed) {
            return;
        }
        downstreamClosed = true;
        if (pending != null) {
            pending.release();
            pending = null;
        }
        if (connecting != null) {
            Channel ch = connecting.channel();
            connecting = null;
            ch.close();
            releaseSlot();
        }
        if (upstream != null) {
            endUpstream(event);
        }
    }

    /**
     * The downstream closed: ends the upstream accordingly (FILTER-CONTRACT.md R5.3 to R5.5). If the client's FIN
     * arrived, its stream is complete and the upstream already has that FIN queued after the pending bytes: the
     * upstream is closed once they are sent. Otherwise the client's stream was cut: a reset, an error, or a close
     * without a FIN gives the upstream the pending bytes, then a reset; a close the proxy decided (a filter, the idle
     * timeout) closes the upstream at once, and resets it if bytes towards it are pending.
     */
    private void endUpstream(ConnectionEvent event) {
        long stall = downstreamTransport.idleTimeoutNanos();
        if (downstreamEof) {
            ChannelSupport.closeAfterFlush(upstream, stall, this::countUpstreamReset);
        } else if (event == ConnectionEvent.LOCAL_CLOSE) {
            if (ChannelSupport.pendingBytes(upstream) > 0) {
                countUpstreamReset();
                LOG.debug("connection {}: closed by the proxy; resetting upstream {} with {} bytes undelivered",
                        downstream.id(), host, ChannelSupport.abort(upstream));
            } else {
                upstream.close();
            }
        } else {
            countUpstreamReset();
            LOG.debug("connection {}: the client's stream was cut ({}); resetting upstream {} after {} pending bytes",
                    downstream.id(), event, host, ChannelSupport.pendingBytes(upstream));
            ChannelSupport.resetAfterFlush(upstream, stall, null);
        }
    }

    private void countUpstreamReset() {
        host.stats().reset();
        cluster.stats().reset();
    }

    /** Downstream writability: stop reading the upstream while the client does not keep up. */
    @Override
    public void accept(Boolean writable) {
        if (upstream != null) {
            ChannelSupport.setAutoRead(upstream, writable);
        }
    }

    private void releaseSlot() {
        if (slotHeld) {
            slotHeld = false;
            cluster.releaseConnection();
        }
    }

    /** The handler of one upstream channel (one per connect attempt: Netty handlers are not re-added). */
    private final class Upstream extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf) || ctx.channel() != upstream) {
                ReferenceCountUtil.release(msg);
                return;
            }
            int n = buf.readableBytes();
            if (upstreamIdle != null) {
                upstreamIdle.touch();
            }
            host.stats().bytesIn(n);
            cluster.stats().bytesIn(n);
            downstreamTransport.beginWriteBatch();
            downstream.write(buf);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            downstreamTransport.endWriteBatch();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE && ctx.channel() == upstream) {
                upstreamEof = true;
                downstream.closeWrite();
                if (ChannelSupport.bothShutDown(ctx.channel())) {
                    ctx.close();
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel() != upstream || downstreamClosed) {
                return;
            }
            boolean writable = ctx.channel().isWritable();
            if (!writable && !pausedByUpstream) {
                pausedByUpstream = true;
                downstream.setReadDisable(true);
            } else if (writable && pausedByUpstream) {
                pausedByUpstream = false;
                downstream.setReadDisable(false);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != upstream) {
                return;
            }
            long lifetime = System.nanoTime() - upstreamSince;
            host.stats().closed(lifetime);
            cluster.stats().closed(lifetime);
            releaseSlot();
            if (!downstreamClosed && !downstream.isClosed()) {
                if (upstreamFailed || !upstreamEof) {
                    // The upstream went away without a FIN (a reset, an error): every byte it sent before reaches
                    // the client, then the client is reset.
                    downstream.resetAfterFlush(ConnectionEvent.LOCAL_CLOSE);
                } else {
                    downstream.close(ConnectionCloseType.FLUSH_WRITE, ConnectionEvent.REMOTE_CLOSE);
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == upstream) {
                upstreamFailed = true;
            }
            if (cause instanceof IOException) {
                LOG.debug("connection {}: upstream {}: {}", downstream.id(), host, cause.toString());
            } else {
                LOG.warn("connection {}: upstream {} failed", downstream.id(), host, cause);
            }
            ctx.close();
        }
    }
}
