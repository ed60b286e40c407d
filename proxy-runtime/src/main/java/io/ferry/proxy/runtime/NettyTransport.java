package io.ferry.proxy.runtime;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.upstream.UpstreamCallbacks;
import io.ferry.filter.api.upstream.UpstreamConnection;
import io.ferry.filter.api.upstream.UpstreamConnector;
import io.ferry.filter.api.upstream.UpstreamRoute;
import io.ferry.filter.chain.ChainConnection;
import io.ferry.filter.chain.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Netty side of one accepted (downstream) connection: the last handler of the accepted channel's pipeline, the
 * {@link Transport} of its {@link ChainConnection}, and its idle checker, in one object per connection.
 *
 * <h2>Life cycle (all on the channel's event loop)</h2>
 * <ol>
 *   <li>{@code channelActive}: a {@link ChainConnection} with a process-unique id is created, every factory of the
 *       listener is asked to {@code createFilterChain} in config order, then {@code initializeReadFilters()}; a
 *       connection without filters is closed, as in MOSN.</li>
 *   <li>each read is handed to {@link ChainConnection#onRead(ByteBuf)} (ownership passes); the peer's FIN (the
 *       channel allows half-closure) to {@link ChainConnection#onReadEof()}; writability changes to
 *       {@link ChainConnection#onWritabilityChanged(boolean)}.</li>
 *   <li>{@code channelInactive}: {@link ChainConnection#onTransportClosed()}, once.</li>
 * </ol>
 *
 * <h2>Idle timeout</h2>
 * With {@code connection_idle_timeout} &gt; 0, an {@link IdleGuard} watches the connection: after a timeout without a
 * byte read, written or flushed, the chain receives {@link ConnectionEvent#ON_READ_TIMEOUT} and the connection is
 * closed {@code NO_FLUSH}/{@code LOCAL_CLOSE}, like MOSN's idle checker. A connection that is closing after a flush
 * and whose peer reads nothing for a timeout is reset.
 *
 * <h2>Closing (FILTER-CONTRACT.md R5.4)</h2>
 * {@code close(flush)} sends what is pending, then a FIN. {@code close(no flush)} with bytes still pending resets the
 * connection instead of sending a FIN, so the client never takes a cut stream for a complete one; every such reset is
 * counted ({@code connections_reset}) and logged at DEBUG.
 *
 * <h2>Upstream connections</h2>
 * The connection's filters open upstream connections through it ({@link #upstreams()}, the
 * {@link UpstreamConnector} of the public API): each is a {@link NettyUpstreamConnection} on this channel's event
 * loop. The transport keeps the open ones, flushes what its read batch wrote to them once the batch ends, and closes
 * those its filters left open once its own close event reached the listeners.
 */
public final class NettyTransport extends ChannelInboundHandlerAdapter implements Transport, UpstreamConnector {

    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    private static final AtomicLong IDS = new AtomicLong();

    private ListenerRuntime listener;
    private InetSocketAddress originalDst;
    private Channel channel;
    /** {@link System#nanoTime()} at accept, for the connection-duration histogram. */
    private long openedAt;
    private ChainConnection chain;
    private IdleGuard idle;
    private boolean readOff;
    private boolean inRead;
    private boolean batching;
    private boolean flushPending;
    /** The upstream connections opened through this one and not closed yet; touched on the event loop only. */
    private final ArrayList<NettyUpstreamConnection> upstreams = new ArrayList<>(1);
    private ByteBuf held;
    private boolean heldEof;

    NettyTransport(ListenerRuntime listener) {
        this.listener = listener;
    }

    /** The accepted channel; upstream connections are opened on its event loop. */
    public Channel channel() {
        return channel;
    }

    /** The listener's {@code connection_idle_timeout} in nanoseconds, 0 for none. */
    long idleTimeoutNanos() {
        return listener.idleTimeoutNanos;
    }

    /** The chain's connection id, for log lines. */
    long connectionId() {
        return chain == null ? -1 : chain.id();
    }

    /** The chain engine of this connection. */
    public ChainConnection chain() {
        return chain;
    }

    // ---- inbound events ------------------------------------------------------------------------------------

    /**
     * The destination the client connected to before an iptables redirect (or the transparent listener's local
     * address), when the accepting listener has {@code use_original_dst}; else null. The connection's
     * {@link #localAddress()} is this address then, so filters (tcpcopy, routes) see the original destination.
     */
    public SocketAddress originalDestination() {
        return originalDst;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        openedAt = System.nanoTime();
        if (listener.config.originalDst() != null) {
            handOver();
        }
        listener.stats.opened();
        chain = new ChainConnection(IDS.incrementAndGet(), listener.info, this);
        boolean hasFilters;
        try {
            for (ListenerRuntime.Factory f : listener.factories) {
                chain.createFilterChain(f.type(), f.factory());
            }
            hasFilters = chain.initializeReadFilters();
        } catch (RuntimeException e) {
            LOG.error("[{}] connection {}: building the filter chain failed, closing it", listener.info.name(),
                    chain.id(), e);
            chain.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
            return;
        }
        if (!hasFilters) {
            LOG.debug("[{}] connection {} has no filters, closing it", listener.info.name(), chain.id());
            chain.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
            return;
        }
        if (channel.isActive()) {
            idle = IdleGuard.start(channel, listener.idleTimeoutNanos, this::onIdle);
        }
    }

    /**
     * MOSN's sidecar mode: reads the original destination and hands the connection to the listener bound to it (or
     * the fallback listener); the connection stays on the accepting listener when there is none, or when the
     * original destination cannot be read (logged).
     */
    private void handOver() {
        ListenerRuntime accepting = listener;
        try {
            originalDst = OriginalDestination.read(channel, accepting.config.originalDst());
        } catch (RuntimeException e) {
            LOG.warn("[{}] connection from {}: cannot read its original destination ({}); it stays on this listener",
                    accepting.info.name(), channel.remoteAddress(), e.getMessage());
            return;
        }
        listener = OriginalDestination.handOver(accepting, originalDst, accepting.config.originalDst().fallbackToLocal());
        if (LOG.isDebugEnabled()) {
            LOG.debug("[{}] connection from {} to original destination {}: {}", accepting.info.name(),
                    channel.remoteAddress(), originalDst, listener == accepting ? "no listener bound there, kept"
                            : "handed over to listener " + listener.info.name());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (idle != null) {
            idle.touch();
        }
        inRead = true;
        listener.stats.bytesIn(buf.readableBytes());
        if (readOff || held != null) {
            // Behind bytes still held, in order.
            hold(buf);
        } else {
            chain.onRead(buf);
        }
    }

    /**
     * Netty may still read while auto-read is off (the native transport reads up to the FIN when the peer
     * half-closes). Such bytes are held here, as if still in the kernel, and handed to the chain once reading is
     * enabled again; the chain never sees a read while its reading is disabled.
     */
    private void hold(ByteBuf buf) {
        if (held == null) {
            held = buf;
        } else {
            held = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(channel.alloc(), held, buf);
        }
    }

    private void releaseHeld() {
        if (readOff || chain == null) {
            return;
        }
        ByteBuf b = held;
        held = null;
        if (b != null) {
            chain.onRead(b);
            if (readOff) {
                return;
            }
        }
        if (heldEof && !readOff) {
            heldEof = false;
            onEof();
        }
    }

    private void onEof() {
        chain.onReadEof();
        if (ChannelSupport.bothShutDown(channel)) {
            channel.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        for (int i = 0; i < upstreams.size(); i++) {
            upstreams.get(i).flushIfPending();
        }
    }

    /**
     * True between a read from this connection and the end of the read batch it belongs to: bytes of this batch
     * written to an upstream connection are flushed once, when the batch ends.
     */
    boolean inReadBatch() {
        return inRead;
    }

    /**
     * Until {@link #endWriteBatch()}, writes are queued without flushing. The caller must end the batch on the same
     * event-loop task (an upstream connection does it at the end of its read batch).
     */
    void beginWriteBatch() {
        batching = true;
    }

    /** Ends a write batch and flushes what it queued. */
    void endWriteBatch() {
        batching = false;
        if (flushPending) {
            flushPending = false;
            channel.flush();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE && chain != null) {
            if (readOff || held != null) {
                heldEof = true;
            } else {
                onEof();
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (chain != null) {
            chain.onWritabilityChanged(channel.isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        listener.stats.closed(System.nanoTime() - openedAt);
        if (held != null) {
            held.release();
            held = null;
        }
        if (idle != null) {
            idle.cancel();
        }
        if (chain != null) {
            chain.onTransportClosed();
        }
        if (!upstreams.isEmpty()) {
            for (NettyUpstreamConnection u : upstreams.toArray(new NettyUpstreamConnection[0])) {
                u.downstreamClosed();
            }
        }
    }

    // ---- upstream connections (UpstreamConnector) -----------------------------------------------------------

    /** This transport, when the runtime has clusters; else none. */
    @Override
    public UpstreamConnector upstreams() {
        return listener.clusters == null ? UpstreamConnector.NONE : this;
    }

    @Override
    public UpstreamConnection connect(UpstreamRoute route, int maxConnectAttempts, UpstreamCallbacks callbacks) {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(callbacks, "callbacks");
        if (route.cluster() == null) {
            throw new IllegalArgumentException("connect(" + route + "): the route names no cluster (expected: "
                    + "UpstreamRoute.toCluster(name))");
        }
        if (maxConnectAttempts < 0 || maxConnectAttempts > 100) {
            throw new IllegalArgumentException("maxConnectAttempts: " + maxConnectAttempts
                    + " (expected: 1 to 100, or 0 for the cluster's default)");
        }
        NettyUpstreamConnection u = new NettyUpstreamConnection(this, listener.clusters, route, maxConnectAttempts,
                callbacks);
        channel.eventLoop().execute(u::start);
        return u;
    }

    /** An upstream connection starts connecting (on the event loop). */
    void register(NettyUpstreamConnection u) {
        upstreams.add(u);
    }

    /** An upstream connection is done (on the event loop). */
    void unregister(NettyUpstreamConnection u) {
        upstreams.remove(u);
    }

    /** Closes the chain without flushing ({@code LOCAL_CLOSE}): an upstream callback threw. */
    void closeChain() {
        if (chain != null) {
            chain.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        } else {
            channel.close();
        }
    }

    /**
     * The runtime started a graceful shutdown: the connection's listeners get {@link ConnectionEvent#ON_SHUTDOWN}, on
     * its event loop. Any thread.
     */
    void shutdownStarted() {
        channel.eventLoop().execute(() -> {
            if (chain != null && !chain.isClosed()) {
                chain.onEvent(ConnectionEvent.ON_SHUTDOWN);
            }
        });
    }

    /** The runtime stops: the connection is closed as by a filter ({@code NO_FLUSH}, {@code LOCAL_CLOSE}). Any thread. */
    void closeForShutdown() {
        channel.eventLoop().execute(this::closeChain);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("[{}] connection {}: {}", listener.info.name(), chain == null ? -1 : chain.id(), cause.toString());
        } else {
            LOG.warn("[{}] connection {}: unexpected error", listener.info.name(), chain == null ? -1 : chain.id(),
                    cause);
        }
        if (chain != null) {
            chain.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.ON_READ_ERR_CLOSE);
        } else {
            ctx.close();
        }
    }

    /** The idle guard's verdict: nothing read, written or flushed for a timeout. */
    private void onIdle() {
        long millis = TimeUnit.NANOSECONDS.toMillis(listener.idleTimeoutNanos);
        if (!chain.isClosed()) {
            LOG.debug("[{}] connection {} idle for {} ms, closing it", listener.info.name(), chain.id(), millis);
            chain.onEvent(ConnectionEvent.ON_READ_TIMEOUT);
            chain.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        } else {
            long discarded = ChannelSupport.abort(channel);
            listener.stats.reset();
            LOG.debug("[{}] connection {}: the client read nothing for {} ms while the proxy was closing it; reset "
                    + "with {} bytes undelivered", listener.info.name(), chain.id(), millis, discarded);
        }
    }

    // ---- Transport -----------------------------------------------------------------------------------------

    @Override
    public boolean inEventLoop() {
        return channel.eventLoop().inEventLoop();
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public SocketAddress localAddress() {
        return originalDst != null ? originalDst : IoTransport.toJdk(channel.localAddress());
    }

    @Override
    public SocketAddress remoteAddress() {
        return IoTransport.toJdk(channel.remoteAddress());
    }

    @Override
    public void write(ByteBuf data) {
        if (!channel.isActive()) {
            data.release();
            return;
        }
        if (idle != null) {
            idle.touch();
        }
        listener.stats.bytesOut(data.readableBytes());
        if (batching) {
            flushPending = true;
            channel.write(data, channel.voidPromise());
        } else {
            channel.writeAndFlush(data, channel.voidPromise());
        }
    }

    @Override
    public void shutdownOutput() {
        ChannelSupport.shutdownOutputAfterFlush(channel, this::closeIfBothEnded);
    }

    /**
     * Closes the channel once both directions have ended as the chain sees them. Netty may have read the client's
     * FIN already while reading is disabled; the bytes before it are still {@linkplain #hold held}, and the channel
     * stays open until the chain has them ({@link #onEof()} closes it then).
     */
    private void closeIfBothEnded() {
        if (held == null && !heldEof && ChannelSupport.bothShutDown(channel)) {
            channel.close();
        }
    }

    @Override
    public void close(boolean flush) {
        if (flush) {
            ChannelSupport.closeAfterFlush(channel, 0, null);   // a stalled flush is this connection's idle guard's
            return;
        }
        long discarded = ChannelSupport.pendingBytes(channel);
        if (discarded == 0) {
            channel.close();
            return;
        }
        ChannelSupport.abort(channel);
        listener.stats.reset();
        LOG.debug("[{}] connection {} closed without flushing: reset with {} bytes undelivered",
                listener.info.name(), chain.id(), discarded);
    }

    @Override
    public void resetAfterFlush() {
        ChannelSupport.resetAfterFlush(channel, 0, null);
        listener.stats.reset();
        LOG.debug("[{}] connection {}: the other side was reset; resetting the client after {} pending bytes",
                listener.info.name(), chain.id(), ChannelSupport.pendingBytes(channel));
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        readOff = !autoRead;
        ChannelSupport.setAutoRead(channel, autoRead);
        if (autoRead && (held != null || heldEof)) {
            channel.eventLoop().execute(this::releaseHeld);
        }
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }
}
