package io.ferry.filter.chain;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.netty.buffer.ByteBuf;

/**
 * One connection and its filter chain, with MOSN's filter-manager semantics (mosn/mosn pkg/network/filtermanager.go).
 * The engine is socket-free: bytes come in through {@link #onRead(ByteBuf)} and go out through a {@link Transport}.
 *
 * <p>Life cycle, all on the connection's thread:
 * <ol>
 *   <li>{@code new ChainConnection(id, listener, transport)};</li>
 *   <li>{@link #createFilterChain(String, NetworkFilterChainFactory)} for every factory of the listener, in config
 *       order;</li>
 *   <li>{@link #initializeReadFilters()}: the first pass, which calls {@code onNewConnection}; returns false when
 *       the chain has no filter at all, and the caller then closes the connection, as MOSN does;</li>
 *   <li>{@link #onRead(ByteBuf)} for every read, {@link #onReadEof()} on the peer's FIN,
 *       {@link #onTransportClosed()} once at the end.</li>
 * </ol>
 *
 * <p>Skeleton: the implementation is being written; signatures are fixed.
 */
public final class ChainConnection implements Connection {
    // Implementation pending (see class javadoc for the fixed public surface):
    //   public ChainConnection(long id, ListenerInfo listener, Transport transport)
    //   public void createFilterChain(String type, NetworkFilterChainFactory factory)
    //   public boolean initializeReadFilters()
    //   public void onRead(ByteBuf data)               // ownership of data passes to the chain
    //   public void onReadEof()                        // peer half-closed
    //   public void onTransportClosed()                // transport is gone; fires the close event once
    //   public void onWritabilityChanged(boolean writable)
    //   public void onEvent(ConnectionEvent event)     // e.g. ON_READ_TIMEOUT from the runtime's idle checker
    //   public void write(ByteBuf data)                // runtime-internal zero-copy write through write filters
    //   public ListenerInfo listener(); public Transport transport();
    //   public void addWritabilityListener(java.util.function.Consumer<Boolean> listener)
    private ChainConnection() {
        throw new AssertionError();
    }

    @Override public long id() { throw new UnsupportedOperationException(); }
    @Override public java.net.SocketAddress localAddress() { throw new UnsupportedOperationException(); }
    @Override public java.net.SocketAddress remoteAddress() { throw new UnsupportedOperationException(); }
    @Override public void write(io.ferry.filter.api.IoBuffer buffer) { throw new UnsupportedOperationException(); }
    @Override public void close(io.ferry.filter.api.ConnectionCloseType type, io.ferry.filter.api.ConnectionEvent event) { throw new UnsupportedOperationException(); }
    @Override public void closeWrite() { throw new UnsupportedOperationException(); }
    @Override public boolean isClosed() { throw new UnsupportedOperationException(); }
    @Override public void setReadDisable(boolean disable) { throw new UnsupportedOperationException(); }
    @Override public boolean isReadEnabled() { throw new UnsupportedOperationException(); }
    @Override public void addConnectionEventListener(io.ferry.filter.api.ConnectionEventListener listener) { throw new UnsupportedOperationException(); }
    @Override public void execute(Runnable task) { throw new UnsupportedOperationException(); }
    @Override public boolean inEventLoop() { throw new UnsupportedOperationException(); }
    ListenerInfo unusedListener() { return null; }
}
