package io.ferry.testkit.embedded;

import io.ferry.filter.api.upstream.UpstreamConnector;
import io.ferry.filter.chain.ChainConnection;
import io.ferry.filter.chain.Transport;
import io.ferry.filter.chain.TrackingByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The in-memory {@link Transport} under an {@link EmbeddedFilterChain}. Its event loop is the harness thread (the
 * thread that built the harness): {@link #execute} from any thread queues a task, and {@link #runPendingTasks()} runs
 * the queue there. Written bytes are copied into an outbound queue and their buffers released; buffers come from a
 * {@link TrackingByteBufAllocator}, so leaks are found deterministically.
 */
public final class EmbeddedTransport implements Transport {

    private final Thread owner;
    private final TrackingByteBufAllocator alloc;
    private final SocketAddress localAddress;
    private final SocketAddress remoteAddress;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<byte[]> outbound = new ArrayDeque<>();
    private ChainConnection connection;
    private boolean autoRead = true;
    private boolean writable = true;
    private boolean outputShutdown;
    private boolean closed;
    private Boolean closedWithFlush;
    private boolean reset;
    private UpstreamConnector upstreams = UpstreamConnector.NONE;
    private Consumer<Throwable> failures = t -> {
        throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
    };

    EmbeddedTransport(Thread owner, TrackingByteBufAllocator alloc, SocketAddress localAddress,
                      SocketAddress remoteAddress) {
        this.owner = owner;
        this.alloc = alloc;
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
    }

    void connection(ChainConnection connection) {
        this.connection = connection;
    }

    /** Where the filters' upstream connections go: the environment's {@link EmbeddedClusters}. */
    void upstreams(UpstreamConnector upstreams, Consumer<Throwable> failures) {
        this.upstreams = upstreams;
        this.failures = failures;
    }

    @Override
    public UpstreamConnector upstreams() {
        return upstreams;
    }

    /**
     * An upstream callback threw: as in the runtime, the connection is closed without flushing, and the failure is
     * reported to the harness ({@code checkException()}).
     */
    void callbackFailed(Throwable t) {
        if (connection != null && !connection.isClosed()) {
            connection.close(io.ferry.filter.api.ConnectionCloseType.NO_FLUSH,
                    io.ferry.filter.api.ConnectionEvent.LOCAL_CLOSE);
        }
        failures.accept(t);
    }

    @Override
    public boolean inEventLoop() {
        return Thread.currentThread() == owner;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    /** Runs queued tasks, including those they queue, until none is left. */
    public void runPendingTasks() {
        for (Runnable r; (r = tasks.poll()) != null; ) {
            r.run();
        }
    }

    @Override
    public TrackingByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    public SocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public void write(ByteBuf data) {
        alloc.track(data);
        try {
            if (!closed && !outputShutdown && data.isReadable()) {
                outbound.add(ByteBufUtil.getBytes(data));
            }
        } finally {
            data.release();
        }
    }

    @Override
    public void shutdownOutput() {
        outputShutdown = true;
    }

    @Override
    public void close(boolean flush) {
        if (closed) {
            return;
        }
        closed = true;
        closedWithFlush = flush;
        ChainConnection c = connection;
        tasks.add(c::onTransportClosed);
    }

    @Override
    public void resetAfterFlush() {
        if (!closed) {
            reset = true;
        }
        close(true);
    }

    /**
     * True if the chain ended the connection with a reset after flushing ({@code resetAfterFlush}: a relay passing on a
     * cut stream); {@link #closedWithFlush()} is then {@code TRUE}.
     */
    public boolean wasReset() {
        return reset;
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        this.autoRead = autoRead;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    void writable(boolean writable) {
        this.writable = writable;
    }

    /** True unless the chain disabled reading. */
    public boolean isAutoRead() {
        return autoRead;
    }

    /** True once the chain shut the output down (half-close). */
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    /** True once the chain closed the transport. */
    public boolean isClosed() {
        return closed;
    }

    /** {@code TRUE} for a flushing close, {@code FALSE} for {@code NO_FLUSH}, {@code null} while open. */
    public Boolean closedWithFlush() {
        return closedWithFlush;
    }

    byte[] pollOutbound() {
        return outbound.poll();
    }

    int outboundBytes() {
        int n = 0;
        for (byte[] b : outbound) {
            n += b.length;
        }
        return n;
    }
}
