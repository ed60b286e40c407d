package io.ferry.filter.chain;

import io.ferry.filter.api.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.net.SocketAddress;

/**
 * What the chain engine needs from whatever carries a connection's bytes: a Netty channel in the proxy runtime, an
 * in-memory queue in the test kit. Implementations must call back into the owning {@link ChainConnection}
 * ({@code onRead}, {@code onReadEof}, {@code onTransportClosed}, {@code onWritabilityChanged}) on the connection's
 * thread.
 */
public interface Transport {

    /** True if the caller runs on the connection's thread. */
    boolean inEventLoop();

    /** Runs {@code task} on the connection's thread, after tasks submitted before it. */
    void execute(Runnable task);

    /** The allocator for buffers of this connection. */
    ByteBufAllocator alloc();

    SocketAddress localAddress();

    SocketAddress remoteAddress();

    /** Writes {@code data} (ownership passes to the transport) after the write filters ran; flushes. */
    void write(ByteBuf data);

    /** Shuts down the output side once pending writes are sent (TCP half-close). */
    void shutdownOutput();

    /**
     * Closes the transport, after sending pending writes if {@code flush}. The transport then reports
     * {@link ChainConnection#onTransportClosed()} once.
     */
    void close(boolean flush);

    /**
     * Hands what is pending to the socket, then resets the connection (a TCP RST): the peer gets what it takes of the
     * stream before the reset, then learns that the stream was cut. The transport then reports
     * {@link ChainConnection#onTransportClosed()} once.
     */
    void resetAfterFlush();

    /** Starts ({@code true}) or stops ({@code false}) reading from the peer. */
    void setAutoRead(boolean autoRead);

    /** True while writes do not queue up beyond the transport's high-water mark. */
    boolean isWritable();

    /**
     * What {@link io.ferry.filter.api.ReadFilterCallbacks#upstreams()} gives this connection's filters: the proxy
     * runtime's cluster manager, the test kit's in-memory clusters; by default none.
     */
    default UpstreamConnector upstreams() {
        return UpstreamConnector.NONE;
    }
}
