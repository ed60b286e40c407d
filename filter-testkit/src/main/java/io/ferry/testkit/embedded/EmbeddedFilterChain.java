package io.ferry.testkit.embedded;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FactoryInitializer;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.HostInfo;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.WriteFilter;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.filter.chain.ChainConnection;
import io.ferry.filter.chain.ChainObserver;
import io.ferry.filter.chain.TrackingByteBufAllocator;
import io.netty.buffer.ByteBuf;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the real chain engine ({@link ChainConnection}) for one connection, without sockets, in the style of Netty's
 * {@code EmbeddedChannel}. A green test here means what it would mean in the proxy.
 *
 * <pre>{@code
 * EmbeddedFilterChain chain = EmbeddedFilterChain.builder()
 *         .providerType("acme.audit").config("{\"max_line\": 80}")
 *         .build();
 * assertEquals(FilterStatus.CONTINUE, chain.writeInbound("hello\n"));
 * assertEquals("hello\n", chain.readInboundString());
 * chain.finish();   // rethrows filter failures, fails on leaked buffers
 * }</pre>
 *
 * <h2>What runs</h2>
 * The filters the builder names (a provider and its config, a factory, or filter instances, in the order given), then a
 * terminal <em>capture</em> filter that copies and drains whatever reaches the end of the chain: that is what
 * {@link #readInbound()} returns. Writes go through the write filters to an in-memory transport, read with
 * {@link #readOutbound()}. Factories implementing {@link FactoryInitializer} get {@code init(listener)} first, as in the
 * runtime.
 *
 * <h2>Upstream connections</h2>
 * {@code ReadFilterCallbacks.upstreams()} opens in-memory connections to the {@linkplain EmbeddedEnvironment#clusters()
 * environment's clusters}; each is an {@link EmbeddedUpstream} the test drives as the upstream peer. Add
 * {@link EmbeddedTcpProxy#factory} last (with {@link Builder#captureInbound(boolean) captureInbound(false)}) to run the
 * filters under test in front of a terminal that behaves like {@code tcp_proxy}.
 *
 * <h2>Threads</h2>
 * The thread that calls {@link Builder#build()} is the connection's thread, and every harness method must be called on
 * it. {@code continueReading()}, {@code write()} or {@code close()} from another thread queue a task, run by
 * {@link #runPendingTasks()} and at the start and end of every harness call. Timers of the
 * {@link #environment()}'s {@link ManualScheduler} run when a test calls {@link #advanceTimeBy}, on the scheduler's
 * timer thread, never on the connection's thread, as in the runtime. The connection's state that only its thread may
 * touch ({@code isReadEnabled()}, the callbacks' {@code upstreamHost()} and {@code setUpstreamHost()}) throws an
 * {@link IllegalStateException} starting with {@code R4.3} when touched from any other thread, and
 * {@link #checkException()} rethrows it: a filter whose timer touches the connection without hopping back to its
 * thread fails here, where in production it would race.
 *
 * <h2>Identity</h2>
 * Every harness connection has its own id ({@link Connection#id()} is unique within the process, as in the runtime),
 * unless the builder sets one.
 *
 * <h2>Buffers</h2>
 * All buffers come from a {@link TrackingByteBufAllocator}: {@link #finish()} fails on any buffer still referenced.
 * Buffers handed to filters are revoked after each callback (R4.1), so a filter that keeps one fails with an
 * {@link IllegalStateException} that {@link #checkException()} rethrows.
 */
public final class EmbeddedFilterChain {

    /** The type under which the capture filter is added. */
    public static final String CAPTURE_TYPE = "ferry.testkit.capture";

    /** The ids of harness connections: unique within the process, as the runtime's are. */
    private static final AtomicLong NEXT_ID = new AtomicLong(1);

    private final Thread owner;
    private final ChainConnection connection;
    private final EmbeddedTransport transport;
    private final EmbeddedEnvironment environment;
    private final TrackingByteBufAllocator alloc;
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong continueReadingCalls = new AtomicLong();
    private final List<ConnectionEvent> events = new ArrayList<>();
    private final List<AutoCloseable> createdFactories = new ArrayList<>();
    private ConnectionEvent closeEvent;
    private final boolean ownsEnvironment;

    private EmbeddedFilterChain(Builder b, List<Element> elements) {
        this.owner = Thread.currentThread();
        this.environment = b.environment != null ? b.environment : new EmbeddedEnvironment();
        this.ownsEnvironment = b.environment == null;
        this.alloc = new TrackingByteBufAllocator(false);
        this.transport = new EmbeddedTransport(owner, alloc, b.localAddress, b.remoteAddress);
        this.connection = new ChainConnection(b.connectionId != null ? b.connectionId : NEXT_ID.getAndIncrement(),
                b.listener, transport);
        transport.connection(connection);
        transport.upstreams(environment.clusters().connector(transport), failures::add);
        connection.revokeBuffersAfterCallbacks(b.revokeBuffers);
        connection.confineToConnectionThread(true);
        connection.setObserver(new ChainObserver() {
            @Override
            public void continueReading(String type, Object filter) {
                continueReadingCalls.incrementAndGet();
            }

            @Override
            public void filterFailed(String type, Object filter, Throwable error) {
                failures.add(error);
            }

            @Override
            public void bufferUsedAfterCallback(IllegalStateException error) {
                failures.add(error);
            }

            @Override
            public void usedOffConnectionThread(IllegalStateException error) {
                failures.add(error);
            }
        });
        connection.addConnectionEventListener(e -> {
            events.add(e);
            if (e.isClose() && closeEvent == null) {
                closeEvent = e;
            }
        });
        int index = 0;
        for (Element e : elements) {
            NetworkFilterChainFactory factory = e.factory;
            if (factory == null) {
                factory = create(e, index, b.listener);
            }
            connection.createFilterChain(e.type, factory);
            index++;
        }
        if (b.captureInbound) {
            connection.createFilterChain(CAPTURE_TYPE, (ctx, cb) -> cb.addReadFilter(new CaptureFilter()));
        }
        if (!connection.initializeReadFilters() && !connection.isClosed()) {
            connection.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        }
        transport.runPendingTasks();
    }

    private NetworkFilterChainFactory create(Element e, int index, ListenerInfo listener) {
        String path = "listeners[0].filter_chains[0].filters[" + index + "].config";
        NetworkFilterFactoryProvider provider = e.provider != null ? e.provider
                : ServiceLoaderProviders.load(e.type, e.classLoader);
        try {
            NetworkFilterChainFactory factory = provider.create(
                    new EmbeddedFilterConfig(provider.type(), path, e.config, environment));
            if (factory == null) {
                throw new IllegalStateException(provider.getClass().getName() + ".create() returned null for " + path
                        + " (R3.3)");
            }
            if (factory instanceof AutoCloseable) {
                createdFactories.add((AutoCloseable) factory);
            }
            if (factory instanceof FactoryInitializer) {
                ((FactoryInitializer) factory).init(listener);
            }
            return factory;
        } catch (FilterConfigException ex) {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        }
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ inbound

    /**
     * The peer sends {@code bytes}: they are appended to the read buffer and a pass runs.
     *
     * @return what the last filter that ran in this pass returned; {@code null} if no filter ran (reading disabled,
     *         connection closed, or a filter failed)
     */
    public FilterStatus writeInbound(byte[] bytes) {
        checkThread();
        runPendingTasks();
        ByteBuf buf = alloc.buffer(bytes.length).writeBytes(bytes);
        connection.onRead(buf);
        FilterStatus status = connection.lastPassStatus();
        runPendingTasks();
        return status;
    }

    /** {@link #writeInbound(byte[])} with {@code text} in UTF-8. */
    public FilterStatus writeInbound(String text) {
        return writeInbound(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The next chunk of bytes that reached the end of the chain (one per pass), or {@code null}. */
    public byte[] readInbound() {
        checkThread();
        runPendingTasks();
        return inbound.poll();
    }

    /** Everything that reached the end of the chain and was not read yet, concatenated (empty if nothing). */
    public byte[] readAllInbound() {
        checkThread();
        runPendingTasks();
        return drain(inbound);
    }

    /** {@link #readAllInbound()} decoded as UTF-8, or {@code null} if nothing reached the end. */
    public String readInboundString() {
        byte[] b = readAllInbound();
        return b.length == 0 ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The peer shuts down its write side (TCP FIN): {@link ChainConnection#onReadEof()}. */
    public void finishInbound() {
        checkThread();
        runPendingTasks();
        connection.onReadEof();
        runPendingTasks();
    }

    /** The peer resets the connection: the transport reports it closed ({@code REMOTE_CLOSE}). */
    public void closeRemotely() {
        checkThread();
        runPendingTasks();
        connection.onTransportClosed();
        runPendingTasks();
    }

    // ------------------------------------------------------------------ outbound

    /**
     * Writes {@code bytes} to the connection as the runtime relays them ({@link ChainConnection#write(ByteBuf)}, the
     * path tcp_proxy's responses take), through the write filters, which see a revocable buffer.
     *
     * @return true if something reached the transport
     */
    public boolean writeOutbound(byte[] bytes) {
        checkThread();
        runPendingTasks();
        int before = transport.outboundBytes();
        connection.write(alloc.buffer(bytes.length).writeBytes(bytes));
        runPendingTasks();
        return transport.outboundBytes() != before;
    }

    /** {@link #writeOutbound(byte[])} with {@code text} in UTF-8. */
    public boolean writeOutbound(String text) {
        return writeOutbound(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The next chunk written to the transport, or {@code null}. */
    public byte[] readOutbound() {
        checkThread();
        runPendingTasks();
        return transport.pollOutbound();
    }

    /** Everything written to the transport and not read yet, concatenated (empty if nothing). */
    public byte[] readAllOutbound() {
        checkThread();
        runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] b; (b = transport.pollOutbound()) != null; ) {
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /** {@link #readAllOutbound()} decoded as UTF-8, or {@code null} if nothing was written. */
    public String readOutboundString() {
        byte[] b = readAllOutbound();
        return b.length == 0 ? null : new String(b, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ state

    /** How many times a stopped filter resumed the chain with {@code continueReading()}. */
    public long continueReadingCalls() {
        return continueReadingCalls.get();
    }

    /** True once the connection is closed or closing. */
    public boolean isClosed() {
        return connection.isClosed();
    }

    /** The close event the listeners received, or {@code null} while none was delivered. */
    public ConnectionEvent closeEvent() {
        checkThread();
        runPendingTasks();
        return closeEvent;
    }

    /** How the transport was closed, or {@code null} while it is open. */
    public ConnectionCloseType closeType() {
        Boolean flush = transport.closedWithFlush();
        return flush == null ? null : flush ? ConnectionCloseType.FLUSH_WRITE : ConnectionCloseType.NO_FLUSH;
    }

    /** Every event the connection's listeners received, in order. */
    public List<ConnectionEvent> events() {
        return Collections.unmodifiableList(new ArrayList<>(events));
    }

    /** True once the chain shut down the output (half-close). */
    public boolean isOutputShutdown() {
        return transport.isOutputShutdown();
    }

    /** The upstream host a filter set, or {@code null}. */
    public HostInfo upstreamHost() {
        return connection.upstreamHost();
    }

    /** True unless a filter disabled reading. */
    public boolean readEnabled() {
        return connection.isReadEnabled();
    }

    /** The number of bytes read and not drained: what the chain will present again with the next read. */
    public int bufferedBytes() {
        checkThread();
        return connection.readBuffer().length();
    }

    /** Delivers {@code event} to the connection's listeners, as the runtime does (e.g. {@code ON_READ_TIMEOUT}). */
    public void fireEvent(ConnectionEvent event) {
        checkThread();
        runPendingTasks();
        connection.onEvent(event);
        runPendingTasks();
    }

    /** Changes the transport's writability and tells the writability listeners. */
    public void setWritable(boolean writable) {
        checkThread();
        transport.writable(writable);
        connection.onWritabilityChanged(writable);
        runPendingTasks();
    }

    /**
     * Advances the environment's {@link ManualScheduler}, running due timers on its timer thread (never this one),
     * then the tasks they queued for the connection's thread.
     */
    public void advanceTimeBy(long amount, TimeUnit unit) {
        checkThread();
        runPendingTasks();
        environment.scheduler().advanceTimeBy(amount, unit);
        runPendingTasks();
    }

    /** The environment the filters were created with. */
    public EmbeddedEnvironment environment() {
        return environment;
    }

    /** The chain engine under test. */
    public ChainConnection connection() {
        return connection;
    }

    /** The in-memory transport. */
    public EmbeddedTransport transport() {
        return transport;
    }

    /** Runs the tasks queued by other threads (and the tasks they queue). */
    public void runPendingTasks() {
        checkThread();
        transport.runPendingTasks();
    }

    /**
     * Rethrows what a filter threw (or the error raised for a contract violation such as a {@code null} status or a
     * buffer used after its callback), once; later failures are attached as suppressed.
     */
    public void checkException() {
        Throwable first = failures.poll();
        if (first == null) {
            return;
        }
        for (Throwable t; (t = failures.poll()) != null; ) {
            if (t != first) {
                first.addSuppressed(t);
            }
        }
        if (first instanceof RuntimeException) {
            throw (RuntimeException) first;
        }
        if (first instanceof Error) {
            throw (Error) first;
        }
        throw new IllegalStateException(first);
    }

    /**
     * Ends the test: runs pending tasks, rethrows any filter failure ({@link #checkException()}), closes the connection
     * if it is open, closes the {@link AutoCloseable} factories the builder created from providers (and the plugin
     * scopes of the environment, if the harness created it), and fails with an
     * {@link AssertionError} if any buffer is still referenced.
     *
     * @return the bytes left over: undrained in the read buffer, and not read from the inbound and outbound queues
     */
    public Leftovers finish() {
        checkThread();
        runPendingTasks();
        checkException();
        int buffered = connection.readBuffer().length();
        int unreadInbound = 0;
        for (byte[] b : inbound) {
            unreadInbound += b.length;
        }
        int unreadOutbound = transport.outboundBytes();
        if (!connection.isClosed()) {
            connection.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        }
        runPendingTasks();
        closeCreatedFactories();
        if (ownsEnvironment) {
            environment.close();
        }
        checkException();
        String leaks = alloc.describeLeaks();
        if (leaks != null) {
            throw new AssertionError("EmbeddedFilterChain.finish(): " + leaks + ". A filter or the code under test "
                    + "kept a runtime buffer (R4.1: copy the bytes you keep)");
        }
        return new Leftovers(buffered, unreadInbound, unreadOutbound);
    }

    private void closeCreatedFactories() {
        for (AutoCloseable c : createdFactories) {
            try {
                c.close();
            } catch (Exception e) {
                failures.add(e);
            }
        }
        createdFactories.clear();
    }

    private void checkThread() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("EmbeddedFilterChain used on thread \"" + Thread.currentThread().getName()
                    + "\" but it belongs to thread \"" + owner.getName() + "\", which built it; build one harness per "
                    + "thread");
        }
    }

    private static byte[] drain(ArrayDeque<byte[]> queue) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] b; (b = queue.poll()) != null; ) {
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /** Bytes left over when a harness finished. */
    public record Leftovers(int bufferedBytes, int unreadInboundBytes, int unreadOutboundBytes) {
        /** True if nothing was left over. */
        public boolean isEmpty() {
            return bufferedBytes == 0 && unreadInboundBytes == 0 && unreadOutboundBytes == 0;
        }
    }

    /** The terminal filter: copies and drains what reaches the end of the chain. */
    private final class CaptureFilter implements ReadFilter {
        @Override
        public FilterStatus onData(IoBuffer buffer) {
            inbound.add(buffer.toByteArray());
            buffer.drain(buffer.length());
            return FilterStatus.CONTINUE;
        }
    }

    private static final class Element {
        final String type;
        final NetworkFilterChainFactory factory;
        final NetworkFilterFactoryProvider provider;
        final ClassLoader classLoader;
        String config = "{}";

        Element(String type, NetworkFilterChainFactory factory, NetworkFilterFactoryProvider provider,
                ClassLoader classLoader) {
            this.type = type;
            this.factory = factory;
            this.provider = provider;
            this.classLoader = classLoader;
        }
    }

    /**
     * Builds an {@link EmbeddedFilterChain}. Filters are added in the order of the calls: {@link #provider} or
     * {@link #providerType} (each followed by its {@link #config}), {@link #factory}, {@link #readFilter} and
     * {@link #writeFilter}.
     */
    public static final class Builder {
        private final List<Element> elements = new ArrayList<>();
        private Element lastProvider;
        private ListenerInfo listener = EmbeddedListener.DEFAULT;
        private Long connectionId;
        private SocketAddress localAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), 2045);
        private SocketAddress remoteAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), 50123);
        private EmbeddedEnvironment environment;
        private boolean captureInbound = true;
        private boolean revokeBuffers = true;
        private String instanceType = "embedded";

        private Builder() {
        }

        /** Adds the filters of {@code provider}'s factory, created from the next {@link #config} (default {}). */
        public Builder provider(NetworkFilterFactoryProvider provider) {
            Objects.requireNonNull(provider, "provider");
            lastProvider = new Element(provider.type(), null, provider, null);
            elements.add(lastProvider);
            return this;
        }

        /** Like {@link #provider}, finding it by {@code type} with {@link java.util.ServiceLoader}. */
        public Builder providerType(String type) {
            Objects.requireNonNull(type, "type");
            lastProvider = new Element(type, null, null, Thread.currentThread().getContextClassLoader());
            elements.add(lastProvider);
            return this;
        }

        /** The JSON {@code config} object of the provider added last. */
        public Builder config(String json) {
            if (lastProvider == null) {
                throw new IllegalStateException("config() applies to the provider added last: call provider() or "
                        + "providerType() first");
            }
            lastProvider.config = json;
            return this;
        }

        /** Adds the filters of {@code factory}, tagged {@code "embedded"} in error messages. */
        public Builder factory(NetworkFilterChainFactory factory) {
            return factory(instanceType, factory);
        }

        /** Adds the filters of {@code factory}, tagged {@code type} in error messages. */
        public Builder factory(String type, NetworkFilterChainFactory factory) {
            elements.add(new Element(Objects.requireNonNull(type, "type"), Objects.requireNonNull(factory, "factory"),
                    null, null));
            return this;
        }

        /** Adds read filter instances (each may be attached to one connection only). */
        public Builder readFilter(ReadFilter... filters) {
            List<ReadFilter> list = List.of(filters);
            return factory((ctx, cb) -> list.forEach(cb::addReadFilter));
        }

        /** Adds write filter instances (each may be attached to one connection only). */
        public Builder writeFilter(WriteFilter... filters) {
            List<WriteFilter> list = List.of(filters);
            return factory((ctx, cb) -> list.forEach(cb::addWriteFilter));
        }

        /** The listener the connection belongs to; default {@link EmbeddedListener#DEFAULT}. */
        public Builder listener(ListenerInfo listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The connection id; by default the next of a process-wide sequence, so every harness has its own. */
        public Builder connectionId(long id) {
            this.connectionId = id;
            return this;
        }

        public Builder localAddress(SocketAddress address) {
            this.localAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        public Builder remoteAddress(SocketAddress address) {
            this.remoteAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The environment for providers' configs; share one between harnesses to model one listener. */
        public Builder environment(EmbeddedEnvironment environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * Whether a terminal filter captures what reaches the end of the chain for {@link #readInbound()} (default
         * true). Turn it off to test a terminal filter whose position matters.
         */
        public Builder captureInbound(boolean capture) {
            this.captureInbound = capture;
            return this;
        }

        /** Whether buffers are revoked after each callback (default true; see R4.1). */
        public Builder revokeBuffers(boolean revoke) {
            this.revokeBuffers = revoke;
            return this;
        }

        /**
         * Builds the chain on the calling thread, which becomes the connection's thread, and runs the first pass
         * ({@code onNewConnection}). A filter failure during the build closes the connection and is rethrown by
         * {@link #checkException()} or {@link #finish()}.
         *
         * @throws IllegalArgumentException if a provider is not found or rejects its config (the message is the
         *                                  {@link FilterConfigException}'s)
         */
        public EmbeddedFilterChain build() {
            return new EmbeddedFilterChain(this, List.copyOf(elements));
        }
    }
}
