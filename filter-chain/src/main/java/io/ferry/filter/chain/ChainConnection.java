package io.ferry.filter.chain;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.ConnectionEventListener;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.FilterState;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.HostInfo;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.WritabilityListener;
import io.ferry.filter.api.WriteFilter;
import io.ferry.filter.api.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One connection and its filter chain, with MOSN's filter-manager semantics (mosn/mosn
 * {@code pkg/network/filtermanager.go}, {@code connection.go}). The engine is socket-free: bytes come in through
 * {@link #onRead(ByteBuf)} and go out through a {@link Transport}; the proxy runtime backs the transport with a Netty
 * channel, the test kit with an in-memory queue. This javadoc is the engine's specification; the rule numbers refer
 * to {@code FILTER-CONTRACT.md}.
 *
 * <h2>Life cycle</h2>
 * All on the connection's thread:
 * <ol>
 *   <li>{@code new ChainConnection(id, listener, transport)};</li>
 *   <li>{@link #createFilterChain(String, NetworkFilterChainFactory)} for every factory of the listener, in config
 *       order. Each added read filter gets {@code initializeReadFilterCallbacks} immediately (R1.2). A factory that
 *       throws closes the connection ({@code NO_FLUSH}, {@code LOCAL_CLOSE}) with one log line;</li>
 *   <li>{@link #initializeReadFilters()}: the first pass, which calls {@code onNewConnection}; returns false when the
 *       chain has no read and no write filter (or is already closed), and the caller then closes the connection, as
 *       MOSN does (R3.7);</li>
 *   <li>{@link #onRead(ByteBuf)} for every read, {@link #onReadEof()} on the peer's FIN,
 *       {@link #onTransportClosed()} once at the end.</li>
 * </ol>
 *
 * <h2>The read path</h2>
 * <pre>
 *  onRead(bytes) ──▶ read buffer (bytes appended) ──▶ filter 0 ──▶ filter 1 ──▶ … ──▶ filter n
 *                     ▲                                  │ STOP: pass ends, nothing drained
 *                     └──── next read: pass again from 0 ┘ continueReading(): resume at the filter after the caller
 * </pre>
 * <ul>
 *   <li>R1.1 Read filters run in registration order.</li>
 *   <li>R1.3 A filter gets {@code onData} only while the read buffer has readable bytes; an empty buffer skips it
 *       silently (so a filter after a draining one, such as tcp_proxy, never sees data).</li>
 *   <li>R1.4 {@code onNewConnection} runs lazily, at most once, the first time a pass reaches a filter and before its
 *       first {@code onData}. {@code STOP} from it ends the pass: later filters are initialised when a later pass
 *       reaches them. The connection stays open and reading.</li>
 *   <li>R1.5 {@code STOP} from {@code onData} ends the pass; nothing is drained or closed.</li>
 *   <li>R1.6 Undrained bytes stay in the read buffer; the next read is appended and the pass starts again at filter
 *       0. The chain never drains; only filters do.</li>
 *   <li>R1.7 {@code continueReading()} resumes at the filter after the caller with the read buffer as it is then.
 *       From another thread (a timer, say) the pass is executed on the connection's thread through
 *       {@link Transport#execute}; called on the connection's thread during another callback, it runs right after
 *       that callback's pass. A queued resumption runs only if the filter is still stopped by then. R1.8 A filter that calls it while not stopped gets an {@link IllegalStateException}
 *       naming it.</li>
 *   <li>While reading is disabled ({@link #setReadDisable}), bytes that still arrive are appended but no pass runs;
 *       re-enabling does not by itself re-present them (MOSN; R4.5).</li>
 * </ul>
 *
 * <h2>The write path</h2>
 * R2.1 Every {@link #write} passes the write filters in registration order (MOSN, unlike Envoy). R2.2 The first
 * {@code STOP} drops the write and the chain releases its buffers. A write whose buffer has the EOF flag shuts down the
 * output after it ({@link #closeWrite()}). Writes after {@code close} or {@code closeWrite} are released and dropped.
 *
 * <h2>Errors (R1.9, R1.10, R2.3)</h2>
 * A filter that throws, or returns {@code null}, closes its connection ({@code NO_FLUSH}, {@code LOCAL_CLOSE}) with
 * exactly one error line on the SLF4J logger {@code io.ferry.filter.chain} naming the filter's type, its class, the
 * connection id and the listener. R3.5 A filter instance already attached to another connection is refused with an
 * {@link IllegalStateException} telling the factory to create new instances for each connection.
 *
 * <h2>Close (R4.6)</h2>
 * {@link #close} acts at most once. The close event reaches the {@link ConnectionEventListener}s exactly once, in
 * registration order, when the transport reports {@link #onTransportClosed()}: the event chosen by the local close,
 * or {@code REMOTE_CLOSE}. {@link #closeWrite()} half-closes through {@link Transport#shutdownOutput()}; the peer's
 * FIN ({@link #onReadEof()}) sets the read buffer's EOF flag, runs a pass if bytes are pending and fires
 * {@code REMOTE_HALF_CLOSE}. Once both sides are shut, the connection closes fully.
 *
 * <h2>Threading (R4.3)</h2>
 * Every callback of a connection runs on its thread (the transport's event loop), one at a time. The {@code on*}
 * methods and {@link #createFilterChain} must be called there. {@link #write}, {@link #close}, {@link #closeWrite},
 * {@link #setReadDisable} and {@code continueReading()} may be called from any thread: off the connection's thread
 * they are executed there, in call order. {@link #isClosed()} may be read from any thread.
 *
 * <h2>Buffers</h2>
 * {@link #onRead(ByteBuf)} takes over the reference of the buffer it is given. The read buffer is one reusable
 * {@link ByteBufIoBuffer} per connection; when it is empty an incoming buffer becomes its content without a copy,
 * otherwise it is appended (Netty's merge cumulator: in place when the buffer is exclusively owned and can grow, else
 * into a new buffer). A fully drained buffer is released after the pass. With
 * {@link #revokeBuffersAfterCallbacks(boolean)} every pass and every filtered write uses a fresh wrapper that is
 * revoked afterwards, so a filter that keeps a buffer fails loudly (R4.1); the test kit turns this on.
 */
public final class ChainConnection implements Connection {

    private static final Logger LOG = LoggerFactory.getLogger("io.ferry.filter.chain");
    private static final FilterAttachments ATTACHMENTS = new FilterAttachments();

    private final long id;
    private final ListenerInfo listener;
    private final Transport transport;
    private final ByteBufAllocator alloc;
    private final FilterChainContext context;

    private final ArrayList<ActiveReadFilter> readFilters = new ArrayList<>(4);
    private final ArrayList<ActiveWriteFilter> writeFilters = new ArrayList<>(2);
    private final ArrayList<ConnectionEventListener> eventListeners = new ArrayList<>(2);
    private final ArrayList<WritabilityListener> writabilityListeners = new ArrayList<>(1);

    private ChainObserver observer = ChainObserver.NOOP;
    private boolean revokeBuffers;
    private boolean confined;

    private ByteBufIoBuffer readBuffer;
    private ByteBufIoBuffer writeBuffer;
    private List<IoBuffer> writeBufferList;
    private boolean writeBufferInUse;

    private HostInfo upstreamHost;
    private ConnectionFilterState filterState;
    private boolean readEnabled = true;
    private int readDisableCount;
    private volatile boolean closed;
    private ConnectionEvent localCloseEvent;
    private boolean closeEventFired;
    private boolean inputShutdown;
    private boolean outputShutdown;
    private int dispatchDepth;
    private boolean releaseAfterPass;
    private FilterStatus lastPassStatus;

    /**
     * @param id        the connection's id, unique within the process
     * @param listener  the listener that accepted it (or the one whose upstream connection this is)
     * @param transport what carries its bytes
     */
    public ChainConnection(long id, ListenerInfo listener, Transport transport) {
        this.id = id;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.alloc = transport.alloc();
        this.readBuffer = newReadBuffer(Unpooled.EMPTY_BUFFER, false);
        this.context = new FilterChainContext() {
            @Override
            public Connection connection() {
                return ChainConnection.this;
            }

            @Override
            public ListenerInfo listener() {
                return ChainConnection.this.listener;
            }
        };
    }

    // ------------------------------------------------------------------ set-up

    /** Installs an observer (the test kit's recorder); call before the chain is built. */
    public void setObserver(ChainObserver observer) {
        this.observer = observer == null ? ChainObserver.NOOP : observer;
    }

    /**
     * When true, each pass and each filtered write hands filters a fresh buffer wrapper that is revoked when the pass
     * ends, so a filter that keeps an {@link IoBuffer} instead of copying it gets an {@link IllegalStateException}
     * (R4.1). Costs one small allocation per pass; the test kit enables it, the proxy runtime does not.
     */
    public void revokeBuffersAfterCallbacks(boolean revoke) {
        this.revokeBuffers = revoke;
    }

    /**
     * When true, the methods filters reach that only the connection's thread may call ({@link #isReadEnabled()},
     * {@code ReadFilterCallbacks.upstreamHost()} and {@code setUpstreamHost()}) throw an
     * {@link IllegalStateException} starting with {@code R4.3} when called from another thread (a timer, say), and
     * the observer hears of it: in the runtime such a call is a data race. The test kit enables it, the proxy runtime
     * does not.
     */
    public void confineToConnectionThread(boolean confine) {
        this.confined = confine;
    }

    private void checkConfined(String what) {
        if (confined && !transport.inEventLoop()) {
            IllegalStateException e = new IllegalStateException("R4.3: " + what + " called on thread \""
                    + Thread.currentThread().getName() + "\", off the thread of connection " + id + "; only write(),"
                    + " close(), closeWrite(), setReadDisable(), execute() and continueReading() may be called from"
                    + " another thread: hop with connection.execute(...)");
            observer.usedOffConnectionThread(e);
            throw e;
        }
    }

    /**
     * Asks {@code factory} to add its filters; every filter it adds is tagged with {@code type} and the factory's
     * class for error messages. A factory that throws (including the {@link IllegalStateException} refusing a shared
     * filter instance) closes the connection with one log line; later calls then do nothing.
     */
    public void createFilterChain(String type, NetworkFilterChainFactory factory) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(factory, "factory");
        if (closed) {
            return;
        }
        FactoryCallbacks callbacks = new FactoryCallbacks(type, factory);
        try {
            factory.createFilterChain(context, callbacks);
        } catch (Throwable t) {
            LOG.error("Network filter factory \"{}\" ({}) threw from createFilterChain() on connection {} of "
                    + "listener \"{}\"; closing the connection", type, factory.getClass().getName(), id,
                    listener.name(), t);
            observer.filterFailed(type, factory, t);
            close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        } finally {
            callbacks.valid = false;
        }
    }

    /**
     * Runs the first pass from filter 0, which calls {@code onNewConnection} on the filters it reaches (and
     * {@code onData} if bytes are already buffered).
     *
     * @return false if the chain has no read and no write filter, or the connection is closed; the caller then
     *         closes it
     */
    public boolean initializeReadFilters() {
        assert transport.inEventLoop();
        if (closed) {
            return false;
        }
        boolean any = !readFilters.isEmpty() || !writeFilters.isEmpty();
        runPass(0);
        return any && !closed;
    }

    // ------------------------------------------------------------------ transport events

    /**
     * Bytes read from the peer; the chain takes over {@code data}'s reference. They are appended to the read buffer
     * and, if reading is enabled, a pass runs from filter 0. An empty {@code data} re-runs the pass over the bytes
     * already buffered, if any (after re-enabling reading, say; MOSN waits for the next read instead).
     */
    public void onRead(ByteBuf data) {
        assert transport.inEventLoop();
        lastPassStatus = null;
        if (closed || inputShutdown) {
            data.release();
            return;
        }
        cumulate(data);
        if (readEnabled && readBuffer.unwrap().isReadable()) {
            if (dispatchDepth == 0) {
                runPass(0);
            } else {
                transport.execute(this::passIfPending);
            }
        }
    }

    /**
     * The peer shut down its write side. The read buffer's EOF flag is set; if bytes are pending a pass runs; then
     * {@code REMOTE_HALF_CLOSE} goes to the listeners. If our output is already shut, the connection closes.
     */
    public void onReadEof() {
        assert transport.inEventLoop();
        if (closed || inputShutdown) {
            return;
        }
        inputShutdown = true;
        readBuffer.eofInternal(true);
        if (readEnabled && readBuffer.unwrap().isReadable()) {
            runPass(0);
        }
        if (closed) {
            return;
        }
        fireEvent(ConnectionEvent.REMOTE_HALF_CLOSE);
        if (outputShutdown && !closed) {
            closeNow(true, ConnectionEvent.REMOTE_CLOSE);
        }
    }

    /**
     * The transport is gone. Fires the close event exactly once (the one a local close chose, else
     * {@code REMOTE_CLOSE}) and releases the read buffer.
     */
    public void onTransportClosed() {
        assert transport.inEventLoop();
        if (closeEventFired) {
            return;
        }
        closeEventFired = true;
        closed = true;
        try {
            fireEvent(localCloseEvent != null ? localCloseEvent : ConnectionEvent.REMOTE_CLOSE);
        } finally {
            if (dispatchDepth == 0) {
                readBuffer.release();
            } else {
                releaseAfterPass = true;
            }
        }
    }

    /** The transport's writability changed; tells the writability listeners, in registration order. */
    public void onWritabilityChanged(boolean writable) {
        assert transport.inEventLoop();
        for (int i = 0; i < writabilityListeners.size(); i++) {
            try {
                writabilityListeners.get(i).onWritabilityChanged(writable);
            } catch (Throwable t) {
                LOG.warn("Writability listener {} threw on connection {} of listener \"{}\"",
                        writabilityListeners.get(i), id, listener.name(), t);
            }
        }
    }

    /**
     * Registers a listener told about every writability change, in registration order, on the connection's thread. A
     * listener added while the transport is not writable ({@link Transport#isWritable()}) is told {@code false} at
     * once, so it cannot miss a change that happened before it was added.
     */
    @Override
    public void addWritabilityListener(WritabilityListener writabilityListener) {
        Objects.requireNonNull(writabilityListener, "writabilityListener");
        if (!transport.inEventLoop()) {
            transport.execute(() -> addWritabilityListener(writabilityListener));
            return;
        }
        writabilityListeners.add(writabilityListener);
        if (!transport.isWritable()) {
            writabilityListener.onWritabilityChanged(false);
        }
    }

    /** Delivers {@code event} (e.g. {@code ON_READ_TIMEOUT} from the idle checker) to the event listeners. */
    public void onEvent(ConnectionEvent event) {
        assert transport.inEventLoop();
        fireEvent(Objects.requireNonNull(event, "event"));
    }

    // ------------------------------------------------------------------ accessors for the runtime and tests

    /** The listener this connection belongs to. */
    public ListenerInfo listener() {
        return listener;
    }

    /** The transport carrying this connection's bytes. */
    public Transport transport() {
        return transport;
    }

    /** The read buffer: every byte read and not yet drained. For tests and harnesses; owned by the chain. */
    public IoBuffer readBuffer() {
        return readBuffer;
    }

    /** The upstream host set by a filter, or {@code null}. */
    public HostInfo upstreamHost() {
        return upstreamHost;
    }

    /** The read filters, in order (MOSN: {@code ListReadFilter}). */
    public List<ReadFilter> readFilters() {
        List<ReadFilter> list = new ArrayList<>(readFilters.size());
        for (ActiveReadFilter f : readFilters) {
            list.add(f.filter);
        }
        return Collections.unmodifiableList(list);
    }

    /** The write filters, in order (MOSN: {@code ListWriteFilters}). */
    public List<WriteFilter> writeFilters() {
        List<WriteFilter> list = new ArrayList<>(writeFilters.size());
        for (ActiveWriteFilter f : writeFilters) {
            list.add(f.filter);
        }
        return Collections.unmodifiableList(list);
    }

    /**
     * What the last filter that ran in the latest pass returned ({@code onNewConnection} or {@code onData}), or
     * {@code null} if that pass ran no filter or ended in a failure. {@link #onRead} resets it, so after a read that
     * ran no pass (reading disabled, connection closed) it is {@code null}.
     */
    public FilterStatus lastPassStatus() {
        return lastPassStatus;
    }

    // ------------------------------------------------------------------ Connection

    @Override
    public long id() {
        return id;
    }

    @Override
    public SocketAddress localAddress() {
        return transport.localAddress();
    }

    @Override
    public SocketAddress remoteAddress() {
        return transport.remoteAddress();
    }

    /**
     * Writes a filter's buffer after the write filters. A {@link ByteBufIoBuffer} hands over its {@code ByteBuf};
     * a heap buffer is wrapped without copying.
     *
     * @throws IllegalArgumentException if {@code buffer} is a connection's read buffer, which the chain owns
     */
    @Override
    public void write(IoBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (buffer instanceof ByteBufIoBuffer && ((ByteBufIoBuffer) buffer).isReadBuffer()) {
            throw new IllegalArgumentException("write() on connection " + id + " was given a connection's read "
                    + "buffer, which the runtime owns; write buffer.copy() and drain(buffer.length()) instead");
        }
        if (!transport.inEventLoop()) {
            transport.execute(() -> write(buffer));
            return;
        }
        if (closed || outputShutdown) {
            discard(buffer);
            return;
        }
        if (writeFilters.isEmpty()) {
            send(buffer);
            return;
        }
        if (runWriteFilters(Collections.singletonList(buffer)) == FilterStatus.CONTINUE && !closed) {
            send(buffer);
        } else {
            discard(buffer);
        }
    }

    /**
     * Runtime-internal zero-copy write: {@code data} (whose reference passes to the chain) goes through the write
     * filters, which see it as an {@link IoBuffer}, then to the transport. Without write filters it goes straight
     * to the transport.
     */
    public void write(ByteBuf data) {
        Objects.requireNonNull(data, "data");
        if (!transport.inEventLoop()) {
            transport.execute(() -> write(data));
            return;
        }
        if (closed || outputShutdown) {
            data.release();
            return;
        }
        if (writeFilters.isEmpty()) {
            transport.write(data);
            return;
        }
        ByteBufIoBuffer wrapper;
        List<IoBuffer> list;
        boolean reused = !writeBufferInUse && !revokeBuffers;
        if (reused) {
            if (writeBuffer == null) {
                writeBuffer = new ByteBufIoBuffer(Unpooled.EMPTY_BUFFER, alloc);
                writeBuffer.owner(this);
                writeBufferList = Collections.singletonList(writeBuffer);
            }
            wrapper = writeBuffer;
            wrapper.replace(data);
            wrapper.eofInternal(false);
            list = writeBufferList;
            writeBufferInUse = true;
        } else {
            wrapper = new ByteBufIoBuffer(data, alloc);
            wrapper.owner(this);
            list = Collections.singletonList(wrapper);
        }
        try {
            if (runWriteFilters(list) == FilterStatus.CONTINUE && !closed) {
                boolean eof = wrapper.isEof();
                transport.write(wrapper.detach());
                if (eof) {
                    closeWrite();
                }
            } else {
                wrapper.release();
            }
        } finally {
            if (reused) {
                writeBufferInUse = false;
            } else if (revokeBuffers) {
                wrapper.revoke();
            }
        }
    }

    /**
     * Moves the readable bytes of {@code source} to this connection through the write filters. A
     * {@link ByteBufIoBuffer} that owns its {@code ByteBuf} hands it over whole ({@link ByteBufIoBuffer#takeAll()}:
     * no copy, no allocation), so relaying an upstream read buffer or a downstream read buffer costs nothing per byte;
     * another buffer is copied. Off the connection's thread the bytes are copied first (a runtime buffer must not be
     * touched there; a heap buffer may).
     */
    @Override
    public void writeFrom(IoBuffer source) {
        Objects.requireNonNull(source, "source");
        if (source instanceof ByteBufIoBuffer b && !b.isView() && transport.inEventLoop()) {
            write(b.takeAll());
            return;
        }
        int n = source.length();
        byte[] bytes = new byte[n];
        source.getBytes(0, bytes, 0, n);
        source.drain(n);
        ByteBuf data = Unpooled.wrappedBuffer(bytes);
        if (!transport.inEventLoop()) {
            transport.execute(() -> write(data));
            return;
        }
        write(data);
    }

    /** True while the transport's outbound queue is below its high-water mark. */
    @Override
    public boolean isWritable() {
        return transport.isWritable();
    }

    /** The values the filters of this connection share; created on first use. Connection's thread only. */
    @Override
    public FilterState filterState() {
        ConnectionFilterState s = filterState;
        if (s == null) {
            if (!transport.inEventLoop()) {
                throw new IllegalStateException("filterState() of connection " + id + " called on thread \""
                        + Thread.currentThread().getName() + "\", off the connection's thread; use it in a callback or "
                        + "in connection.execute(...)");
            }
            s = filterState = new ConnectionFilterState(this);
        }
        return s;
    }

    /**
     * Closes the connection, at most once. {@code FLUSH_WRITE} sends what was written first. The listeners receive
     * {@code event} once the transport reports it closed.
     */
    @Override
    public void close(ConnectionCloseType type, ConnectionEvent event) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(event, "event");
        if (!transport.inEventLoop()) {
            transport.execute(() -> close(type, event));
            return;
        }
        closeNow(type == ConnectionCloseType.FLUSH_WRITE, event);
    }

    /**
     * The other side of a relayed connection was reset: hands what was written to the socket, then resets this
     * connection (FILTER-CONTRACT.md R5.5). Acts at most once, like {@link #close}; the listeners receive
     * {@code event} once the transport reports it closed. Any thread.
     */
    @Override
    public void resetAfterFlush(ConnectionEvent event) {
        Objects.requireNonNull(event, "event");
        if (!transport.inEventLoop()) {
            transport.execute(() -> resetAfterFlush(event));
            return;
        }
        if (closed) {
            return;
        }
        closed = true;
        localCloseEvent = event;
        transport.resetAfterFlush();
    }

    @Override
    public void closeWrite() {
        if (!transport.inEventLoop()) {
            transport.execute(this::closeWrite);
            return;
        }
        if (closed || outputShutdown) {
            return;
        }
        outputShutdown = true;
        if (inputShutdown) {
            closeNow(true, ConnectionEvent.LOCAL_CLOSE);
        } else {
            transport.shutdownOutput();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Nests like MOSN: each disable must be matched by an enable; transitions map to the transport's auto-read. */
    @Override
    public void setReadDisable(boolean disable) {
        if (!transport.inEventLoop()) {
            transport.execute(() -> setReadDisable(disable));
            return;
        }
        if (closed) {
            return;
        }
        if (disable) {
            if (!readEnabled) {
                readDisableCount++;
                return;
            }
            readEnabled = false;
            transport.setAutoRead(false);
        } else {
            if (readDisableCount > 0) {
                readDisableCount--;
                return;
            }
            if (!readEnabled) {
                readEnabled = true;
                transport.setAutoRead(true);
            }
        }
    }

    @Override
    public boolean isReadEnabled() {
        checkConfined("Connection.isReadEnabled()");
        return readEnabled;
    }

    @Override
    public void addConnectionEventListener(ConnectionEventListener eventListener) {
        Objects.requireNonNull(eventListener, "listener");
        if (!transport.inEventLoop()) {
            transport.execute(() -> eventListeners.add(eventListener));
            return;
        }
        eventListeners.add(eventListener);
    }

    @Override
    public void execute(Runnable task) {
        if (transport.inEventLoop()) {
            task.run();
        } else {
            transport.execute(task);
        }
    }

    @Override
    public boolean inEventLoop() {
        return transport.inEventLoop();
    }

    @Override
    public String toString() {
        return "ChainConnection(id: " + id + ", listener: " + listener.name() + (closed ? ", closed)" : ")");
    }

    // ------------------------------------------------------------------ internals

    void bufferMisused(IllegalStateException e) {
        observer.bufferUsedAfterCallback(e);
    }

    private ByteBufIoBuffer newReadBuffer(ByteBuf content, boolean eof) {
        ByteBufIoBuffer b = new ByteBufIoBuffer(content, alloc);
        b.eofInternal(eof);
        b.owner(this);
        b.markReadBuffer();
        return b;
    }

    /** Netty's MERGE_CUMULATOR, with the empty case taking the incoming buffer as it is. */
    private void cumulate(ByteBuf in) {
        readBuffer.cumulate(in);
    }

    private void passIfPending() {
        if (!closed && readEnabled && dispatchDepth == 0 && readBuffer.unwrap().isReadable()) {
            runPass(0);
        }
    }

    private void runPass(int start) {
        lastPassStatus = null;
        dispatchDepth++;
        try {
            for (int i = start; i < readFilters.size() && !closed; i++) {
                ActiveReadFilter f = readFilters.get(i);
                if (!f.initialized) {
                    f.initialized = true;
                    FilterStatus s;
                    try {
                        s = f.filter.onNewConnection();
                    } catch (Throwable t) {
                        filterThrew("Read", f.type, f.filter, "onNewConnection()", t);
                        return;
                    }
                    if (s == null) {
                        filterReturnedNull("Read", f.type, f.filter, "onNewConnection()");
                        return;
                    }
                    f.stopped(s == FilterStatus.STOP);
                    lastPassStatus = s;
                    if (s == FilterStatus.STOP) {
                        return;
                    }
                    if (closed) {
                        return;
                    }
                }
                ByteBufIoBuffer buffer = readBuffer;
                if (!buffer.unwrap().isReadable()) {
                    continue;
                }
                FilterStatus s;
                try {
                    s = f.filter.onData(buffer);
                } catch (Throwable t) {
                    filterThrew("Read", f.type, f.filter, "onData()", t);
                    return;
                }
                if (s == null) {
                    filterReturnedNull("Read", f.type, f.filter, "onData()");
                    return;
                }
                f.stopped(s == FilterStatus.STOP);
                lastPassStatus = s;
                if (s == FilterStatus.STOP) {
                    return;
                }
            }
        } finally {
            if (--dispatchDepth == 0) {
                afterPass();
            }
        }
    }

    private void afterPass() {
        ByteBufIoBuffer b = readBuffer;
        if (revokeBuffers) {
            b = readBuffer = b.moveToNew();
        }
        if (releaseAfterPass) {
            releaseAfterPass = false;
            b.release();
            return;
        }
        b.trim();
    }

    private FilterStatus runWriteFilters(List<IoBuffer> buffers) {
        for (int i = 0; i < writeFilters.size(); i++) {
            ActiveWriteFilter f = writeFilters.get(i);
            FilterStatus s;
            try {
                s = f.filter.onWrite(buffers);
            } catch (Throwable t) {
                filterThrew("Write", f.type, f.filter, "onWrite()", t);
                return null;
            }
            if (s == null) {
                filterReturnedNull("Write", f.type, f.filter, "onWrite()");
                return null;
            }
            if (s == FilterStatus.STOP) {
                return s;
            }
        }
        return FilterStatus.CONTINUE;
    }

    private void send(IoBuffer buffer) {
        boolean eof = buffer.isEof();
        transport.write(toByteBuf(buffer));
        if (eof) {
            closeWrite();
        }
    }

    private ByteBuf toByteBuf(IoBuffer buffer) {
        if (buffer instanceof ByteBufIoBuffer) {
            ByteBufIoBuffer b = (ByteBufIoBuffer) buffer;
            if (!b.isView()) {
                return b.detach();
            }
            ByteBuf view = b.unwrap();
            return alloc.buffer(view.readableBytes()).writeBytes(view, view.readerIndex(), view.readableBytes());
        }
        return Unpooled.wrappedBuffer(buffer.toByteArray()); // one copy: a filter's own buffer stays the filter's
    }

    private static void discard(IoBuffer buffer) {
        if (buffer instanceof ByteBufIoBuffer && !((ByteBufIoBuffer) buffer).isView()) {
            ((ByteBufIoBuffer) buffer).release();
        }
    }

    private void closeNow(boolean flush, ConnectionEvent event) {
        if (closed) {
            return;
        }
        closed = true;
        localCloseEvent = event;
        transport.close(flush);
    }

    private void fireEvent(ConnectionEvent event) {
        for (int i = 0; i < eventListeners.size(); i++) {
            ConnectionEventListener l = eventListeners.get(i);
            try {
                l.onEvent(event);
            } catch (Throwable t) {
                LOG.warn("Connection event listener {} threw on {} for connection {} of listener \"{}\"", l,
                        event, id, listener.name(), t);
            }
        }
    }

    private void filterThrew(String role, String type, Object filter, String method, Throwable t) {
        lastPassStatus = null;
        LOG.error("{} filter \"{}\" ({}) threw from {} on connection {} of listener \"{}\"; closing the connection",
                role, type, filter.getClass().getName(), method, id, listener.name(), t);
        observer.filterFailed(type, filter, t);
        closeNow(false, ConnectionEvent.LOCAL_CLOSE);
    }

    private void filterReturnedNull(String role, String type, Object filter, String method) {
        lastPassStatus = null;
        String message = role + " filter \"" + type + "\" (" + filter.getClass().getName() + ") returned null from "
                + method + "; return FilterStatus.CONTINUE or FilterStatus.STOP.";
        LOG.error("{} Closing connection {} of listener \"{}\".", message, id, listener.name());
        observer.filterFailed(type, filter, new IllegalStateException(message));
        closeNow(false, ConnectionEvent.LOCAL_CLOSE);
    }

    private void attach(Object filter, String role, String type, NetworkFilterChainFactory factory) {
        FilterAttachments.Attachment other = ATTACHMENTS.attach(filter, this);
        if (other != null) {
            throw new IllegalStateException(role + " filter \"" + type + "\" instance " + filter.getClass().getName()
                    + "@" + Integer.toHexString(System.identityHashCode(filter))
                    + " is already attached to connection " + other.connectionId + "; "
                    + factory.getClass().getName() + ".createFilterChain() must create new filter instances for "
                    + "each connection" + (filter.getClass().isSynthetic()
                    ? " (a lambda that captures nothing is one instance for the whole JVM: use a class)" : ""));
        }
    }

    /** The callbacks handed to one factory's {@code createFilterChain}. */
    private final class FactoryCallbacks implements NetworkFilterChainFactoryCallbacks {
        private final String type;
        private final NetworkFilterChainFactory factory;
        boolean valid = true;

        FactoryCallbacks(String type, NetworkFilterChainFactory factory) {
            this.type = type;
            this.factory = factory;
        }

        @Override
        public void addReadFilter(ReadFilter filter) {
            Objects.requireNonNull(filter, "filter");
            checkValid("addReadFilter");
            attach(filter, "Read", type, factory);
            ActiveReadFilter active = new ActiveReadFilter(filter, type, readFilters.size());
            readFilters.add(active);
            filter.initializeReadFilterCallbacks(active);
        }

        @Override
        public void addWriteFilter(WriteFilter filter) {
            Objects.requireNonNull(filter, "filter");
            checkValid("addWriteFilter");
            attach(filter, "Write", type, factory);
            writeFilters.add(new ActiveWriteFilter(filter, type));
        }

        private void checkValid(String method) {
            if (!valid) {
                throw new IllegalStateException(method + "() called by factory \"" + type + "\" ("
                        + factory.getClass().getName() + ") after createFilterChain() returned");
            }
        }
    }

    private static final class ActiveWriteFilter {
        final WriteFilter filter;
        final String type;

        ActiveWriteFilter(WriteFilter filter, String type) {
            this.filter = filter;
            this.type = type;
        }
    }

    /** A read filter in the chain, and the callbacks it was given. MOSN: {@code activeReadFilter}. */
    private final class ActiveReadFilter implements ReadFilterCallbacks {
        final ReadFilter filter;
        final String type;
        final int index;
        boolean initialized;
        /** Written on the connection's thread only when it changes; read by continueReading() from any thread. */
        private volatile boolean stopped;

        ActiveReadFilter(ReadFilter filter, String type, int index) {
            this.filter = filter;
            this.type = type;
            this.index = index;
        }

        void stopped(boolean value) {
            if (stopped != value) {
                stopped = value;
            }
        }

        @Override
        public Connection connection() {
            return ChainConnection.this;
        }

        @Override
        public void continueReading() {
            if (closed) {
                throw new IllegalStateException("continueReading() called by read filter \"" + type + "\" ("
                        + filter.getClass().getName() + ") after connection " + id + " was closed");
            }
            if (!stopped) {
                throw new IllegalStateException("continueReading() called by read filter \"" + type + "\" ("
                        + filter.getClass().getName() + ") on connection " + id + " while it was not stopped; call "
                        + "it only after returning FilterStatus.STOP");
            }
            if (!transport.inEventLoop() || dispatchDepth > 0) {
                transport.execute(this::resume);
                return;
            }
            resume();
        }

        private void resume() {
            if (closed || !stopped) {
                LOG.debug("continueReading() by \"{}\" on connection {} dropped: {}", type, id,
                        closed ? "closed" : "no longer stopped");
                return;
            }
            stopped(false);
            observer.continueReading(type, filter);
            runPass(index + 1);
        }

        @Override
        public HostInfo upstreamHost() {
            checkConfined("ReadFilterCallbacks.upstreamHost() of \"" + type + "\" (" + filter.getClass().getName()
                    + ")");
            return upstreamHost;
        }

        @Override
        public void setUpstreamHost(HostInfo host) {
            checkConfined("ReadFilterCallbacks.setUpstreamHost() of \"" + type + "\" ("
                    + filter.getClass().getName() + ")");
            upstreamHost = host;
        }

        @Override
        public UpstreamConnector upstreams() {
            return transport.upstreams();
        }

        @Override
        public int bufferedBytes() {
            return readBuffer.unwrap().readableBytes();
        }
    }
}
