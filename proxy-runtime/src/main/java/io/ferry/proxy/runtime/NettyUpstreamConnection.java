package io.ferry.proxy.runtime;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.HostInfo;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.upstream.UpstreamCallbacks;
import io.ferry.filter.api.upstream.UpstreamConnection;
import io.ferry.filter.api.upstream.UpstreamFailure;
import io.ferry.filter.api.upstream.UpstreamRoute;
import io.ferry.filter.chain.ByteBufIoBuffer;
import io.ferry.proxy.cluster.Cluster;
import io.ferry.proxy.cluster.ClusterManager;
import io.ferry.proxy.cluster.Host;
import io.ferry.proxy.cluster.LbContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An {@link UpstreamConnection} of the proxy runtime: a Netty channel to a host of a {@link Cluster}, opened on the
 * event loop of the downstream connection ({@link NettyTransport}) whose filter asked for it, so the two ends of a
 * relayed connection share one thread and no lock. Everything here runs on that loop; public methods called
 * elsewhere are executed there.
 *
 * <h2>Connecting (MOSN streamproxy.go)</h2>
 * The first step runs as a task after {@code connect()} returned, never inside it. The route's cluster is looked up;
 * its circuit breaker gives a slot ({@code circuit_breaker_overflow} when it does not); then up to the attempts asked
 * for (the cluster's default: {@code min(hosts, 3)}, one for {@code ORIGINAL_DST}), each to a host the load balancer
 * picks with this connection as its {@link LbContext} (the client's address, the original destination, the previous
 * attempt's host, the route's hash key) or the route's explicit host, each bounded by the cluster's
 * {@code connect_timeout}. Each connect's duration feeds the host's latency average ({@code LB_PEAK_EWMA}). When no
 * attempt is left the cluster's {@code connections_no_upstream} is raised.
 *
 * <h2>Flushes</h2>
 * Bytes written while the downstream connection is inside a read batch are flushed once at the end of that batch;
 * bytes read from the upstream in one batch reach the downstream socket in one flush at the end of the upstream's
 * batch. Request/response traffic is never delayed (a batch of one read is flushed right after it); bulk transfers
 * make fewer system calls.
 *
 * <h2>Counters</h2>
 * The cluster's and the host's: {@code connections_total/active} (established), {@code connect_failures},
 * {@code connections_no_upstream}, {@code connections_reset} (every reset this side sends), {@code bytes_in/out},
 * the connect-time and connection-duration histograms.
 */
final class NettyUpstreamConnection implements UpstreamConnection, LbContext, ChannelFutureListener {

    private static final Logger LOG = LoggerFactory.getLogger(NettyUpstreamConnection.class);
    /** {@link #writeCopy} shares a buffer whose memory is at most this many times the bytes written, else copies. */
    static final int SHARE_MAX_WASTE = 2;

    private final NettyTransport downstream;
    private final ClusterManager clusters;
    private final UpstreamRoute route;
    private final int maxAttempts;
    private final UpstreamCallbacks callbacks;
    private final EventLoop loop;
    private final boolean hasHashKey;
    private final long hashKey;
    private final String explicitHost;

    private Cluster cluster;
    private Host host;
    private ChannelFuture connecting;
    private Channel channel;
    /** {@link System#nanoTime()} when the current attempt started, then when the connection was established. */
    private long since;
    private int attemptsLeft;
    private boolean attempted;
    private boolean slotHeld;
    private CompositeByteBuf queued;
    private boolean shutdownRequested;
    private int readDisableCount;
    private boolean readEnabled = true;
    private boolean flushPending;
    private ByteBufIoBuffer readBuffer;
    private IdleGuard idle;
    private InetSocketAddress explicitDestination;
    private int lastHostIndex = -1;

    /** close() or resetAfterFlush() was called, or the connection ended or failed. */
    private boolean closed;
    /** No callback any more: cancelled before it was established, or failed. */
    private boolean silent;
    private boolean closedLocally;
    private boolean eof;
    private boolean failed;
    private boolean ended;
    /** How long this connection may outlive the downstream ({@link #lingerAfterDownstreamClose}); 0: not at all. */
    private volatile long lingerNanos;

    NettyUpstreamConnection(NettyTransport downstream, ClusterManager clusters, UpstreamRoute route, int maxAttempts,
                            UpstreamCallbacks callbacks) {
        this.downstream = downstream;
        this.clusters = clusters;
        this.route = route;
        this.maxAttempts = maxAttempts;
        this.callbacks = callbacks;
        this.loop = downstream.channel().eventLoop();
        this.hasHashKey = route.hashKey().isPresent();
        this.hashKey = hasHashKey ? route.hashKey().getAsLong() : 0;
        this.explicitHost = route.host().orElse(null);
    }

    // ---- connecting -------------------------------------------------------------------------------------------

    /** The first step, run as a task on the loop after {@code connect()} returned. */
    void start() {
        if (silent) {
            return;
        }
        if (!downstream.channel().isActive()) {
            closed = true;
            silent = true;
            return;
        }
        downstream.register(this);
        cluster = clusters.cluster(route.cluster()).orElse(null);
        if (cluster == null) {
            LOG.debug("connection {}: no cluster \"{}\"", downstream.connectionId(), route.cluster());
            fail(UpstreamFailure.NO_CLUSTER);
            return;
        }
        if (!cluster.tryAcquireConnection()) {
            LOG.debug("connection {}: cluster {} has max_connections {} open", downstream.connectionId(),
                    cluster.name(), cluster.maxConnections());
            fail(UpstreamFailure.OVERFLOW);
            return;
        }
        slotHeld = true;
        attemptsLeft = maxAttempts > 0 ? maxAttempts : cluster.defaultConnectAttempts();
        if (explicitHost != null && cluster.isOriginalDst()) {
            explicitDestination = parseDestination(explicitHost);
        }
        connectNext();
    }

    private void connectNext() {
        for (; ; ) {
            if (silent) {
                return;
            }
            if (attemptsLeft-- <= 0) {
                cluster.stats().noUpstream();
                LOG.debug("connection {}: no upstream of cluster {} could be reached", downstream.connectionId(),
                        cluster.name());
                fail(attempted ? UpstreamFailure.CONNECT_FAILED : UpstreamFailure.NO_HOST);
                return;
            }
            host = pick();
            if (host != null) {
                break;
            }
        }
        attempted = true;
        since = System.nanoTime();
        fire(ConnectionEvent.ON_CONNECT);
        if (silent) {
            return;
        }
        connecting = cluster.connect(loop, host, new Handler());
        connecting.addListener(this);
    }

    private Host pick() {
        if (explicitHost != null && !cluster.isOriginalDst()) {
            for (Host h : cluster.hosts()) {
                if (h.address().equals(explicitHost)) {
                    return h;
                }
            }
            return null;
        }
        return cluster.chooseHost(this);
    }

    /** {@code ip:port} or {@code [ipv6]:port}; null when it is neither. */
    private static InetSocketAddress parseDestination(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String ip = address.substring(0, colon);
        if (ip.startsWith("[") && ip.endsWith("]")) {
            ip = ip.substring(1, ip.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (port < 1 || port > 65535 || !(NetUtil.isValidIpV4Address(ip) || NetUtil.isValidIpV6Address(ip))) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The result of a connect attempt. */
    @Override
    public void operationComplete(ChannelFuture f) {
        if (f != connecting) {
            f.channel().close();   // an attempt abandoned meanwhile
            return;
        }
        connecting = null;
        if (!f.isSuccess()) {
            host.stats().connectFailed();
            cluster.stats().connectFailed();
            LOG.debug("connection {}: connecting to {} failed: {}", downstream.connectionId(), host,
                    f.cause().toString());
            fire(f.cause() instanceof ConnectTimeoutException ? ConnectionEvent.CONNECT_TIMEOUT
                    : ConnectionEvent.CONNECT_FAILED);
            connectNext();
            return;
        }
        Channel ch = f.channel();
        channel = ch;
        long now = System.nanoTime();
        host.recordConnectLatency(now - since, now);
        host.stats().connected(now - since);
        cluster.stats().connected(now - since);
        since = now;
        long idleNanos = cluster.idleTimeout().toNanos();
        if (idleNanos > 0) {
            idle = IdleGuard.start(ch, idleNanos, this::onIdle);
        }
        readBuffer = new ByteBufIoBuffer(Unpooled.EMPTY_BUFFER, ch.alloc());
        ChannelSupport.setAutoRead(ch, readEnabled);
        if (queued != null) {
            ByteBuf q = queued;
            queued = null;
            transmit(q);
        }
        if (shutdownRequested) {
            ChannelSupport.shutdownOutputAfterFlush(ch);
        }
        fire(ConnectionEvent.CONNECTED);
    }

    private void fail(UpstreamFailure failure) {
        closed = true;
        silent = true;
        releaseQueued();
        releaseSlot();
        downstream.unregister(this);
        try {
            callbacks.onConnectFailure(failure);
        } catch (Throwable t) {
            callbackThrew("onConnectFailure(" + failure + ")", t);
        }
    }

    /** Abandons a connection not yet established: no callback follows. */
    private void cancel() {
        silent = true;
        releaseQueued();
        if (connecting != null) {
            Channel ch = connecting.channel();
            connecting = null;
            ch.close();
        }
        releaseSlot();
        downstream.unregister(this);
    }

    // ---- events -----------------------------------------------------------------------------------------------

    private void fire(ConnectionEvent event) {
        if (silent) {
            return;
        }
        try {
            callbacks.onEvent(event);
        } catch (Throwable t) {
            callbackThrew("onEvent(" + event + ")", t);
        }
    }

    /**
     * A callback threw: one error line, then both connections are closed without flushing, as the chain does for a
     * filter that throws (FILTER-CONTRACT.md R1.10).
     */
    private void callbackThrew(String method, Throwable t) {
        LOG.error("Upstream callbacks {} threw from {} on connection {}; closing the connection and its upstream",
                callbacks.getClass().getName(), method, downstream.connectionId(), t);
        downstream.closeChain();
        close(ConnectionCloseType.NO_FLUSH);
    }

    /** The cluster's {@code idle_timeout}: nothing read from or written to the upstream for that long. */
    private void onIdle() {
        LOG.debug("connection {}: upstream {} idle for the cluster's idle_timeout {}, closing it",
                downstream.connectionId(), host, cluster.idleTimeout());
        if (!closed) {
            fire(ConnectionEvent.ON_READ_TIMEOUT);
            close(ConnectionCloseType.NO_FLUSH);
        }
    }

    /** The channel is gone: counters, the slot, and the close event, once. */
    private void ended() {
        if (ended) {
            return;
        }
        ended = true;
        closed = true;
        long lifetime = System.nanoTime() - since;
        host.stats().closed(lifetime);
        cluster.stats().closed(lifetime);
        releaseSlot();
        if (idle != null) {
            idle.cancel();
        }
        downstream.unregister(this);
        ConnectionEvent event = closedLocally ? ConnectionEvent.LOCAL_CLOSE
                : failed || !eof ? ConnectionEvent.ON_READ_ERR_CLOSE : ConnectionEvent.REMOTE_CLOSE;
        try {
            fire(event);
        } finally {
            silent = true;
            readBuffer.discard();
        }
    }

    /** The downstream connection is gone and the filter left this one open: closed without flushing. */
    void downstreamClosed() {
        if (closed) {
            return;
        }
        long linger = lingerNanos;
        if (linger > 0) {
            LOG.debug("connection {}: closed with an upstream connection asked to linger; closing it in {} ms at the"
                    + " latest", downstream.connectionId(), TimeUnit.NANOSECONDS.toMillis(linger));
            loop.schedule(() -> {
                if (!closed) {
                    LOG.debug("connection {}: the upstream connection's linger ended; closing it",
                            downstream.connectionId());
                    close(ConnectionCloseType.NO_FLUSH);
                }
            }, linger, TimeUnit.NANOSECONDS);
            return;
        }
        LOG.debug("connection {}: closed with an upstream connection its filters left open; closing it",
                downstream.connectionId());
        close(ConnectionCloseType.NO_FLUSH);
    }

    @Override
    public void lingerAfterDownstreamClose(Duration grace) {
        lingerNanos = UpstreamConnection.checkLinger(grace).toNanos();
    }

    // ---- writing ----------------------------------------------------------------------------------------------

    @Override
    public void write(IoBuffer buffer) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> write(buffer));
            return;
        }
        ByteBuf data;
        if (buffer instanceof ByteBufIoBuffer b) {
            data = b.takeAll();
        } else {
            data = directCopy(buffer, 0, buffer.length());
        }
        send(data);
    }

    /**
     * A runtime buffer's memory is shared instead of copied when that pins little more than the bytes written (see
     * {@link #shareOrCopy}); anything else is copied once into pooled direct memory from the channel's allocator: what
     * the socket sends from, so the transport does not copy a heap buffer again into a new direct one.
     */
    @Override
    public void writeCopy(IoBuffer source, int index, int length) {
        java.util.Objects.checkFromIndexSize(index, length, source.length());
        ByteBuf data = shareOrCopy(source, index, length);
        if (!loop.inEventLoop()) {
            loop.execute(() -> send(data));
            return;
        }
        send(data);
    }

    /**
     * {@code source[index, index + length)} as a buffer this connection owns. For a runtime buffer whose memory is at
     * most {@link #SHARE_MAX_WASTE} times the bytes written, a retained slice of it: no copy, and the socket sends
     * both the chain's and this connection's bytes from the same memory. Sharing is safe because a
     * {@link ByteBufIoBuffer} never writes into memory another reference holds: once its buffer is shared, appends,
     * reads and trims move the bytes to new memory (its class comment). The bound on the memory a slice pins keeps
     * what a lagging connection holds within that factor of the bytes its owner counts.
     */
    private ByteBuf shareOrCopy(IoBuffer source, int index, int length) {
        if (length > 0 && source instanceof ByteBufIoBuffer b) {
            ByteBuf src = b.unwrap();
            ByteBuf root = src;
            while (root.unwrap() != null) {
                root = root.unwrap();
            }
            if (root.capacity() <= (long) length * SHARE_MAX_WASTE) {
                return src.retainedSlice(src.readerIndex() + index, length);
            }
        }
        return directCopy(source, index, length);
    }

    /** A direct buffer from the channel's (pooled) allocator holding {@code source[index, index + length)}. */
    private ByteBuf directCopy(IoBuffer source, int index, int length) {
        if (length == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        Channel ch = channel;
        ByteBuf data = (ch != null ? ch : downstream.channel()).alloc().directBuffer(length);
        try {
            if (source instanceof ByteBufIoBuffer b) {
                ByteBuf src = b.unwrap();
                data.writeBytes(src, src.readerIndex() + index, length);
            } else {
                source.getBytes(index, data.nioBuffer(data.writerIndex(), length));
                data.writerIndex(data.writerIndex() + length);
            }
            return data;
        } catch (RuntimeException e) {
            data.release();
            throw e;
        }
    }

    @Override
    public void writeFrom(IoBuffer source) {
        if (loop.inEventLoop() && source instanceof ByteBufIoBuffer b) {
            send(b.takeAll());
            return;
        }
        int n = source.length();
        byte[] bytes = new byte[n];
        source.getBytes(0, bytes, 0, n);
        source.drain(n);
        ByteBuf data = Unpooled.wrappedBuffer(bytes);
        if (!loop.inEventLoop()) {
            loop.execute(() -> send(data));
            return;
        }
        send(data);
    }

    private void send(ByteBuf data) {
        if (closed || shutdownRequested || !data.isReadable()) {
            data.release();
            return;
        }
        if (channel == null) {
            if (queued == null) {
                queued = downstream.channel().alloc().compositeBuffer();
            }
            queued.addComponent(true, data);
            return;
        }
        transmit(data);
    }

    private void transmit(ByteBuf data) {
        int n = data.readableBytes();
        if (idle != null) {
            idle.touch();
        }
        host.stats().bytesOut(n);
        cluster.stats().bytesOut(n);
        if (downstream.inReadBatch()) {
            flushPending = true;   // flushed once at the end of the downstream's read batch
            channel.write(data, channel.voidPromise());
        } else {
            channel.writeAndFlush(data, channel.voidPromise());
        }
    }

    /** The downstream's read batch ended: sends what it wrote here. */
    void flushIfPending() {
        if (flushPending) {
            flushPending = false;
            if (channel != null) {
                channel.flush();
            }
        }
    }

    private void releaseQueued() {
        if (queued != null) {
            queued.release();
            queued = null;
        }
    }

    // ---- ending -----------------------------------------------------------------------------------------------

    @Override
    public void closeWrite() {
        if (!loop.inEventLoop()) {
            loop.execute(this::closeWrite);
            return;
        }
        if (closed || shutdownRequested) {
            return;
        }
        shutdownRequested = true;
        if (channel != null) {
            ChannelSupport.shutdownOutputAfterFlush(channel);
        }
    }

    @Override
    public void close(ConnectionCloseType type) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> close(type));
            return;
        }
        if (closed) {
            return;
        }
        closed = true;
        if (channel == null) {
            cancel();
            return;
        }
        closedLocally = true;
        if (type == ConnectionCloseType.FLUSH_WRITE) {
            ChannelSupport.closeAfterFlush(channel, downstream.idleTimeoutNanos(), this::countReset);
            return;
        }
        long pending = ChannelSupport.pendingBytes(channel);
        if (pending > 0) {
            countReset();
            LOG.debug("connection {}: upstream {} closed without flushing: reset with {} bytes undelivered",
                    downstream.connectionId(), host, ChannelSupport.abort(channel));
        } else {
            channel.close();
        }
    }

    @Override
    public void resetAfterFlush() {
        if (!loop.inEventLoop()) {
            loop.execute(this::resetAfterFlush);
            return;
        }
        if (closed) {
            return;
        }
        closed = true;
        if (channel == null) {
            cancel();
            return;
        }
        closedLocally = true;
        countReset();
        LOG.debug("connection {}: resetting upstream {} after {} pending bytes", downstream.connectionId(), host,
                ChannelSupport.pendingBytes(channel));
        ChannelSupport.resetAfterFlush(channel, downstream.idleTimeoutNanos(), null);
    }

    private void countReset() {
        host.stats().reset();
        cluster.stats().reset();
    }

    private void releaseSlot() {
        if (slotHeld) {
            slotHeld = false;
            cluster.releaseConnection();
        }
    }

    // ---- reading and flow control -----------------------------------------------------------------------------

    /** Nests like {@link io.ferry.filter.chain.ChainConnection#setReadDisable}; transitions reach the channel. */
    @Override
    public void setReadDisable(boolean disable) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> setReadDisable(disable));
            return;
        }
        if (disable) {
            if (!readEnabled) {
                readDisableCount++;
                return;
            }
            readEnabled = false;
        } else {
            if (readDisableCount > 0) {
                readDisableCount--;
                return;
            }
            if (readEnabled) {
                return;
            }
            readEnabled = true;
        }
        if (channel != null && !ended) {
            ChannelSupport.setAutoRead(channel, readEnabled);
        }
    }

    @Override
    public boolean isReadEnabled() {
        return readEnabled;
    }

    @Override
    public boolean isWritable() {
        Channel ch = channel;
        return ch == null || ch.isWritable();
    }

    // ---- state ------------------------------------------------------------------------------------------------

    @Override
    public HostInfo host() {
        return host;
    }

    @Override
    public boolean isConnected() {
        return channel != null && !ended;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public SocketAddress localAddress() {
        Channel ch = channel;
        return ch == null ? null : IoTransport.toJdk(ch.localAddress());
    }

    @Override
    public SocketAddress remoteAddress() {
        Channel ch = channel;
        return ch == null ? null : IoTransport.toJdk(ch.remoteAddress());
    }

    // ---- LbContext: what the load balancer knows of this connection -------------------------------------------

    @Override
    public SocketAddress downstreamRemoteAddress() {
        return downstream.remoteAddress();
    }

    @Override
    public SocketAddress originalDestination() {
        return explicitHost != null ? explicitDestination : downstream.originalDestination();
    }

    @Override
    public int lastHostIndex() {
        return lastHostIndex;
    }

    @Override
    public void lastHostIndex(int index) {
        lastHostIndex = index;
    }

    @Override
    public boolean hasHashKey() {
        return hasHashKey;
    }

    @Override
    public long hashKey() {
        return hashKey;
    }

    @Override
    public String toString() {
        return "upstream of connection " + downstream.connectionId() + " to " + (host == null ? route : host)
                + (ended ? " (closed)" : channel != null ? "" : " (connecting)");
    }

    /** The handler of one upstream channel (one per connect attempt: Netty handlers are not re-added). */
    private final class Handler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf) || ctx.channel() != channel) {
                ReferenceCountUtil.release(msg);
                return;
            }
            int n = buf.readableBytes();
            if (idle != null) {
                idle.touch();
            }
            host.stats().bytesIn(n);
            cluster.stats().bytesIn(n);
            if (closed) {
                buf.release();
                return;
            }
            downstream.beginWriteBatch();
            readBuffer.cumulate(buf);
            try {
                callbacks.onData(readBuffer);
            } catch (Throwable t) {
                callbackThrew("onData()", t);
                return;
            }
            readBuffer.trim();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            downstream.endWriteBatch();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE && ctx.channel() == channel) {
                eof = true;
                readBuffer.setEof(true);
                if (!closed) {
                    fire(ConnectionEvent.REMOTE_HALF_CLOSE);
                }
                if (ChannelSupport.bothShutDown(ctx.channel())) {
                    ctx.close();
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel && !closed) {
                try {
                    callbacks.onWritabilityChanged(ctx.channel().isWritable());
                } catch (Throwable t) {
                    callbackThrew("onWritabilityChanged()", t);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel) {
                ended();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == channel) {
                failed = true;
            }
            if (cause instanceof IOException) {
                LOG.debug("connection {}: upstream {}: {}", downstream.connectionId(), host, cause.toString());
            } else {
                LOG.warn("connection {}: upstream {} failed", downstream.connectionId(), host, cause);
            }
            ctx.close();
        }
    }
}
