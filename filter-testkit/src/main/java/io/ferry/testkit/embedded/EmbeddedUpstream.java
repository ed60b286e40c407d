package io.ferry.testkit.embedded;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.HostInfo;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.upstream.UpstreamCallbacks;
import io.ferry.filter.api.upstream.UpstreamConnection;
import io.ferry.filter.api.upstream.UpstreamFailure;
import io.ferry.filter.api.upstream.UpstreamRoute;
import io.ferry.filter.chain.ByteBufIoBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * One upstream connection a filter opened in an {@link EmbeddedFilterChain}: the filter sees an
 * {@link UpstreamConnection} with the runtime's semantics (events in the documented order, never from inside
 * {@code connect()}; writes queued until {@code CONNECTED}; nested read-disable; buffers revoked after each callback);
 * the test plays the upstream peer ({@link #send}, {@link #finish}, {@link #reset}, {@link #setWritable}) and reads what
 * the filter sent ({@link #received()}, {@link #isOutputShutdown()}, {@link #closeType()}, {@link #wasReset()}).
 *
 * <p>The peer methods must be called on the harness's thread; each runs the harness's pending tasks before it
 * returns. The filter's methods may be called from any thread, as in the runtime.
 */
public final class EmbeddedUpstream implements UpstreamConnection {

    private enum State { NEW, CONNECTING, CONNECTED, FAILED, CANCELLED, CLOSED }

    private final EmbeddedClusters clusters;
    private final EmbeddedTransport transport;
    private final UpstreamRoute route;
    private final int maxAttempts;
    private final UpstreamCallbacks callbacks;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final ByteArrayOutputStream queued = new ByteArrayOutputStream();
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private State state = State.NEW;
    private HostInfo host;
    private int attempts;
    private int attemptsLeft;
    private boolean closed;
    private boolean finRequested;
    private boolean outputShutdown;
    private boolean peerFin;
    private boolean heldFin;
    private boolean closeEventFired;
    private ConnectionCloseType closeType;
    private boolean reset;
    private int readDisableCount;
    private boolean readEnabled = true;
    private boolean writable = true;
    private ByteBufIoBuffer readBuffer;

    EmbeddedUpstream(EmbeddedClusters clusters, EmbeddedTransport transport, UpstreamRoute route, int maxAttempts,
                     UpstreamCallbacks callbacks) {
        this.clusters = clusters;
        this.transport = transport;
        this.route = route;
        this.maxAttempts = maxAttempts;
        this.callbacks = callbacks;
    }

    // ------------------------------------------------------------------ connecting (harness thread, as tasks)

    void start() {
        if (state != State.NEW) {
            return;
        }
        if (transport.isClosed()) {
            state = State.CANCELLED;   // the downstream connection is gone: never attempted, no callback
            closed = true;
            return;
        }
        state = State.CONNECTING;
        EmbeddedClusters.Behaviour b = clusters.behaviour(route.cluster());
        if (b == null) {
            fail(UpstreamFailure.NO_CLUSTER);
            return;
        }
        String address = EmbeddedClusters.hostAddress(route.cluster());
        if (route.host().isPresent() && !route.host().get().equals(address)) {
            fail(UpstreamFailure.NO_HOST);
            return;
        }
        host = new Host(address, route.cluster());
        attemptsLeft = maxAttempts > 0 ? maxAttempts : 1;
        attempt();
    }

    private void attempt() {
        attempts++;
        attemptsLeft--;
        fire(ConnectionEvent.ON_CONNECT);
        if (state != State.CONNECTING) {
            return;
        }
        EmbeddedClusters.Behaviour b = clusters.behaviour(route.cluster());
        if (b == EmbeddedClusters.Behaviour.REFUSE) {
            attemptFailed(false);
        } else if (b != EmbeddedClusters.Behaviour.MANUAL) {
            connected();
        }
    }

    private void attemptFailed(boolean timeout) {
        fire(timeout ? ConnectionEvent.CONNECT_TIMEOUT : ConnectionEvent.CONNECT_FAILED);
        if (state != State.CONNECTING) {
            return;
        }
        if (attemptsLeft > 0) {
            attempt();
        } else {
            fail(UpstreamFailure.CONNECT_FAILED);
        }
    }

    private void connected() {
        state = State.CONNECTED;
        readBuffer = new ByteBufIoBuffer(Unpooled.EMPTY_BUFFER, transport.alloc());
        byte[] q = queued.toByteArray();
        queued.reset();
        if (q.length > 0) {
            arrive(q);
        }
        if (finRequested) {
            shutdownOutput();
        }
        fire(ConnectionEvent.CONNECTED);
    }

    private void fail(UpstreamFailure failure) {
        state = State.FAILED;
        closed = true;
        queued.reset();
        try {
            callbacks.onConnectFailure(failure);
        } catch (RuntimeException | Error e) {
            transport.callbackFailed(e);
        }
    }

    private void fire(ConnectionEvent event) {
        if (state == State.CANCELLED || state == State.FAILED || closeEventFired) {
            return;
        }
        if (event.isClose()) {
            closeEventFired = true;
        }
        try {
            callbacks.onEvent(event);
        } catch (RuntimeException | Error e) {
            transport.callbackFailed(e);
        }
    }

    // ------------------------------------------------------------------ the filter's side

    @Override
    public HostInfo host() {
        return host;
    }

    @Override
    public boolean isConnected() {
        return state == State.CONNECTED;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public SocketAddress localAddress() {
        return state == State.CONNECTED ? new InetSocketAddress("127.0.0.1", 40000 + (attempts % 1000)) : null;
    }

    @Override
    public SocketAddress remoteAddress() {
        return state == State.CONNECTED ? InetSocketAddress.createUnresolved(route.cluster() + ".embedded", 1) : null;
    }

    @Override
    public void write(IoBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (!transport.inEventLoop()) {
            transport.execute(() -> write(buffer));
            return;
        }
        accept(take(buffer));
    }

    @Override
    public void writeFrom(IoBuffer source) {
        Objects.requireNonNull(source, "source");
        if (!transport.inEventLoop()) {
            byte[] bytes = source.toByteArray();
            source.drain(bytes.length);
            transport.execute(() -> accept(bytes));
            return;
        }
        accept(take(source));
    }

    /** Copies the bytes now, as the proxy does, and drains nothing: a runtime buffer is still whole afterwards. */
    @Override
    public void writeCopy(IoBuffer source, int index, int length) {
        Objects.requireNonNull(source, "source");
        Objects.checkFromIndexSize(index, length, source.length());
        byte[] bytes = new byte[length];
        source.getBytes(index, bytes, 0, length);
        if (!transport.inEventLoop()) {
            transport.execute(() -> accept(bytes));
            return;
        }
        accept(bytes);
    }

    /** The readable bytes of {@code b}, drained from it (a runtime buffer hands its memory over, as in the proxy). */
    private static byte[] take(IoBuffer b) {
        if (b instanceof ByteBufIoBuffer r) {
            ByteBuf data = r.takeAll();
            try {
                byte[] bytes = new byte[data.readableBytes()];
                data.getBytes(data.readerIndex(), bytes);
                return bytes;
            } finally {
                data.release();
            }
        }
        byte[] bytes = b.toByteArray();
        b.drain(bytes.length);
        return bytes;
    }

    private void accept(byte[] bytes) {
        if (closed || finRequested || bytes.length == 0) {
            return;
        }
        if (state != State.CONNECTED) {
            queued.writeBytes(bytes);
            return;
        }
        arrive(bytes);
    }

    private void arrive(byte[] bytes) {
        received.writeBytes(bytes);
        if (clusters.behaviour(route.cluster()) == EmbeddedClusters.Behaviour.ECHO) {
            transport.execute(() -> {
                if (state == State.CONNECTED && !closed) {
                    peerSends(bytes);
                }
            });
        }
    }

    @Override
    public void closeWrite() {
        if (!transport.inEventLoop()) {
            transport.execute(this::closeWrite);
            return;
        }
        if (closed || finRequested) {
            return;
        }
        finRequested = true;
        if (state == State.CONNECTED) {
            shutdownOutput();
        }
    }

    private void shutdownOutput() {
        outputShutdown = true;
        if (clusters.behaviour(route.cluster()) == EmbeddedClusters.Behaviour.ECHO) {
            transport.execute(() -> {
                if (state == State.CONNECTED && !peerFin) {
                    peerFinishes();
                }
            });
        }
        if (peerFin) {
            transport.execute(() -> end(ConnectionEvent.REMOTE_CLOSE));
        }
    }

    @Override
    public void close(ConnectionCloseType type) {
        Objects.requireNonNull(type, "type");
        if (!transport.inEventLoop()) {
            transport.execute(() -> close(type));
            return;
        }
        closeLocally(type, false);
    }

    @Override
    public void resetAfterFlush() {
        if (!transport.inEventLoop()) {
            transport.execute(this::resetAfterFlush);
            return;
        }
        closeLocally(ConnectionCloseType.FLUSH_WRITE, true);
    }

    private void closeLocally(ConnectionCloseType type, boolean asReset) {
        if (closed) {
            return;
        }
        closed = true;
        if (state != State.CONNECTED) {
            state = State.CANCELLED;
            queued.reset();
            return;
        }
        closeType = type;
        reset = asReset;
        transport.execute(() -> end(ConnectionEvent.LOCAL_CLOSE));
    }

    private void end(ConnectionEvent event) {
        if (state != State.CONNECTED) {
            return;
        }
        closed = true;
        fire(event);
        state = State.CLOSED;
        held.clear();
        readBuffer.discard();
    }

    @Override
    public void setReadDisable(boolean disable) {
        if (!transport.inEventLoop()) {
            transport.execute(() -> setReadDisable(disable));
            return;
        }
        if (disable) {
            if (!readEnabled) {
                readDisableCount++;
            }
            readEnabled = false;
            return;
        }
        if (readDisableCount > 0) {
            readDisableCount--;
            return;
        }
        if (!readEnabled) {
            readEnabled = true;
            if (!held.isEmpty() || heldFin) {
                transport.execute(this::releaseHeld);
            }
        }
    }

    private void releaseHeld() {
        while (readEnabled && !held.isEmpty() && state == State.CONNECTED) {
            deliver(held.poll());
        }
        if (readEnabled && held.isEmpty() && heldFin && state == State.CONNECTED) {
            heldFin = false;
            peerFinishes();
        }
    }

    @Override
    public boolean isReadEnabled() {
        return readEnabled;
    }

    @Override
    public boolean isWritable() {
        return state != State.CONNECTED || writable;
    }

    // ------------------------------------------------------------------ the test's side: the upstream peer

    /** The upstream sends {@code bytes}: the filter gets them in {@code onData} (later, if it disabled reading). */
    public void send(byte[] bytes) {
        checkThread();
        if (state != State.CONNECTED) {
            throw new IllegalStateException("the upstream connection is not connected (" + state + ")");
        }
        peerSends(bytes);
        transport.runPendingTasks();
    }

    /** {@link #send(byte[])} with {@code text} in UTF-8. */
    public void send(String text) {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    private void peerSends(byte[] bytes) {
        if (peerFin || heldFin || bytes.length == 0) {
            return;
        }
        if (!readEnabled || !held.isEmpty()) {
            held.add(bytes);
            return;
        }
        deliver(bytes);
    }

    private void deliver(byte[] bytes) {
        ByteBuf buf = transport.alloc().buffer(bytes.length).writeBytes(bytes);
        readBuffer.cumulate(buf);
        try {
            callbacks.onData(readBuffer);
        } catch (RuntimeException | Error e) {
            transport.callbackFailed(e);
        } finally {
            if (state == State.CONNECTED) {
                readBuffer = readBuffer.moveToNew();   // R4.1: the buffer handed over is revoked
                readBuffer.trim();
            }
        }
    }

    /** The upstream sends its FIN: {@code REMOTE_HALF_CLOSE} (after bytes held while reading is disabled). */
    public void finish() {
        checkThread();
        if (state != State.CONNECTED) {
            throw new IllegalStateException("the upstream connection is not connected (" + state + ")");
        }
        if (!held.isEmpty() || !readEnabled) {
            heldFin = true;
        } else {
            peerFinishes();
        }
        transport.runPendingTasks();
    }

    private void peerFinishes() {
        if (peerFin) {
            return;
        }
        peerFin = true;
        readBuffer.setEof(true);
        fire(ConnectionEvent.REMOTE_HALF_CLOSE);
        if (outputShutdown && state == State.CONNECTED) {
            end(ConnectionEvent.REMOTE_CLOSE);
        }
    }

    /** The upstream resets the connection: the filter gets {@code ON_READ_ERR_CLOSE}. */
    public void reset() {
        checkThread();
        if (state == State.CONNECTED) {
            end(ConnectionEvent.ON_READ_ERR_CLOSE);
        }
        transport.runPendingTasks();
    }

    /** The connection's outbound queue crosses a water mark: the filter gets {@code onWritabilityChanged}. */
    public void setWritable(boolean writable) {
        checkThread();
        if (this.writable != writable && state == State.CONNECTED) {
            this.writable = writable;
            try {
                callbacks.onWritabilityChanged(writable);
            } catch (RuntimeException | Error e) {
                transport.callbackFailed(e);
            }
        }
        transport.runPendingTasks();
    }

    /** For a {@link EmbeddedClusters.Behaviour#MANUAL} cluster: the pending attempt connects. */
    public void completeConnect() {
        checkThread();
        if (state != State.CONNECTING || host == null) {
            throw new IllegalStateException("no connect attempt is pending (" + state + ")");
        }
        connected();
        transport.runPendingTasks();
    }

    /**
     * For a {@link EmbeddedClusters.Behaviour#MANUAL} cluster: the pending attempt fails ({@code CONNECT_TIMEOUT}
     * if {@code timeout}, else {@code CONNECT_FAILED}); the next attempt starts, or the connection fails.
     */
    public void failConnect(boolean timeout) {
        checkThread();
        if (state != State.CONNECTING || host == null) {
            throw new IllegalStateException("no connect attempt is pending (" + state + ")");
        }
        attemptFailed(timeout);
        transport.runPendingTasks();
    }

    /** The route the filter connected with. */
    public UpstreamRoute route() {
        return route;
    }

    /** The number of connect attempts made so far. */
    public int attempts() {
        return attempts;
    }

    /** Every byte the filter sent on this connection (once connected; bytes queued before are included then). */
    public byte[] received() {
        return received.toByteArray();
    }

    /** {@link #received()} decoded as UTF-8. */
    public String receivedString() {
        return received.toString(StandardCharsets.UTF_8);
    }

    /** True once the filter's FIN reached the upstream ({@code closeWrite()}, after {@code CONNECTED}). */
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    /**
     * How the filter closed the connection ({@code FLUSH_WRITE} also for {@code resetAfterFlush()}), or {@code null}
     * if it did not close it after it was established.
     */
    public ConnectionCloseType closeType() {
        return closeType;
    }

    /** True if the filter ended the connection with {@code resetAfterFlush()}. */
    public boolean wasReset() {
        return reset;
    }

    /** True if the filter closed the connection before it was established (it was cancelled). */
    public boolean wasCancelled() {
        return state == State.CANCELLED;
    }

    private void checkThread() {
        if (!transport.inEventLoop()) {
            throw new IllegalStateException("EmbeddedUpstream used on thread \"" + Thread.currentThread().getName()
                    + "\"; use it on the thread of the harness whose filter opened it");
        }
    }

    @Override
    public String toString() {
        return "EmbeddedUpstream(" + route + ", " + state + ", " + received.size() + " bytes received)";
    }

    private record Host(String address, String clusterName) implements HostInfo {
        @Override
        public int weight() {
            return 1;
        }
    }
}
