package io.ferry.proxy.runtime;

import com.google.gson.JsonObject;
import io.ferry.filter.api.FactoryInitializer;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.proxy.admin.AdminServer;
import io.ferry.proxy.admin.FilterStatsRegistry;
import io.ferry.proxy.cluster.ClusterManager;
import io.ferry.proxy.cluster.HostResolver;
import io.ferry.proxy.config.Problems;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.config.FilterEntry;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.config.ConfigRedactor;
import io.ferry.proxy.config.PrometheusSinkConfig;
import io.ferry.proxy.admin.HttpLimits;
import io.ferry.proxy.metrics.FerryCollector;
import io.ferry.proxy.metrics.PrometheusSink;
import io.ferry.proxy.stats.ListenerStats;
import io.ferry.filter.chain.PluginScopes;
import io.ferry.filter.chain.metrics.LocalMetricRegistry;
import io.ferry.proxy.logging.LogRedaction;
import io.ferry.filter.api.spi.Secrets;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The running proxy: one server socket per listener, a filter chain per accepted connection, the clusters, and the
 * admin API when configured.
 *
 * <h2>Startup ({@link #start})</h2>
 * For each listener, in config order, each {@code filters[]} entry is resolved in the {@link FilterRegistry} and its
 * provider creates the factory; a factory that implements {@link FactoryInitializer} is initialised once with its
 * listener. Where MOSN logs and skips a filter whose creation or {@code Init} fails, Ferry refuses to start: any
 * failure (unknown type, invalid config, a listener that cannot bind, an admin address in use) raises
 * {@link ConfigException} with the message, and everything already started is closed again. Listeners with
 * {@code bind_port: false} are set up but never listen, as in MOSN.
 *
 * <h2>Threads</h2>
 * One group of event loops (native epoll where it loads, NIO otherwise) serves every listener; a proxied
 * connection's upstream side runs on the same event loop as its downstream side. Filter timers run on one daemon
 * thread, {@code ferry-filter-timer}. All public methods are thread-safe.
 *
 * <h2>Shutdown</h2>
 * {@link #shutdownGracefully()} stops accepting, tells every open connection's listeners
 * ({@code ConnectionEvent.ON_SHUTDOWN}), lets open connections finish for up to the server's
 * {@code graceful_timeout}, then {@linkplain #close() closes} everything (connections as by a filter:
 * {@code NO_FLUSH}, {@code LOCAL_CLOSE}): connections, listeners, the admin server,
 * the event loops, and every factory that implements {@link AutoCloseable}.
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

    private final FerryConfig config;
    private final ProxyOptions options;
    private final List<ListenerRuntime> listeners = new ArrayList<>();
    private final Map<String, Channel> serverChannels = new LinkedHashMap<>();
    private final Map<Channel, SocketFile> socketFiles = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** One plugin scope per filter type ({@code FilterConfig.pluginScope()}), closed after the factories. */
    private final PluginScopes pluginScopes = new PluginScopes();
    /** Each filter type's declared secret keys ({@link NetworkFilterFactoryProvider#secretFields()}). */
    private final Map<String, Set<String>> secretFields = new java.util.concurrent.ConcurrentHashMap<>();
    private final ChannelGroup connections = new DefaultChannelGroup("ferry-connections", GlobalEventExecutor.INSTANCE);
    private IoTransport transport;
    private EventLoopGroup group;
    private ClusterManager clusterManager;
    private FilterTimer ownTimer;
    private AdminServer adminServer;
    private FilterStatsRegistry detachedStats;
    private FilterStatsRegistry filterStats;
    /** The filters' typed metrics ({@code FilterEnvironment.metrics()}). */
    private final LocalMetricRegistry filterMetrics = new LocalMetricRegistry();
    private final List<PrometheusSink> prometheusSinks = new ArrayList<>();
    private final List<InetSocketAddress> prometheusAddresses = new ArrayList<>();
    private volatile InetSocketAddress adminAddress;
    private boolean closed;
    private final java.util.concurrent.CountDownLatch closedLatch = new java.util.concurrent.CountDownLatch(1);

    private ProxyServer(FerryConfig config, ProxyOptions options) {
        this.config = config;
        this.options = options;
    }

    /** Starts the proxy with {@link ProxyOptions#defaults()}. */
    public static ProxyServer start(FerryConfig config, FilterRegistry registry) throws ConfigException {
        return start(config, registry, ProxyOptions.defaults());
    }

    /**
     * Starts the proxy: builds clusters and filter factories, binds every listener, starts the admin server.
     *
     * @throws ConfigException when any of it fails; nothing is left running then
     */
    public static ProxyServer start(FerryConfig config, FilterRegistry registry, ProxyOptions options)
            throws ConfigException {
        ProxyServer server = new ProxyServer(config, options);
        try {
            server.doStart(registry);
            return server;
        } catch (ConfigException e) {
            server.close();
            throw e;
        } catch (RuntimeException e) {
            server.close();
            throw new ConfigException("startup failed: " + e, e);
        }
    }

    private void doStart(FilterRegistry registry) throws ConfigException {
        LogRedaction.add(ConfigRedactor.secretValues(config.source(), type -> Set.of()));
        doStart(registry, true);
    }

    /**
     * Builds everything; binds and starts the admin server only when {@code bind}. Every problem (a host address, a
     * {@code mark}, a filter's config, a listener that cannot bind) is collected and all are thrown at once.
     */
    private void doStart(FilterRegistry registry, boolean bind) throws ConfigException {
        try {
            transport = IoTransport.select(options.transport());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        Problems problems = new Problems();
        int threads = options.ioThreads() > 0 ? options.ioThreads() : Runtime.getRuntime().availableProcessors();
        group = transport.newGroup(threads, new DefaultThreadFactory("ferry-io", false));
        WriteBufferWaterMark waterMark = new WriteBufferWaterMark(options.writeLowWaterMark(),
                options.writeHighWaterMark());
        RecvByteBufAllocator reads = new AdaptiveRecvByteBufAllocator(64, 2048, options.readBufferMax());
        try {
            clusterManager = ClusterManager.create(config.clusters(), transport, waterMark, reads,
                    bind ? group : null, options.resolver() == null ? HostResolver.SYSTEM : options.resolver());
        } catch (ConfigException e) {
            problems.add(e);
            // the filters are still checked, against the clusters that could be built
            List<io.ferry.proxy.config.ClusterConfig> usable = new ArrayList<>();
            for (io.ferry.proxy.config.ClusterConfig c : config.clusters()) {
                try {
                    ClusterManager.create(List.of(c), transport, waterMark, reads).close();
                    usable.add(c);
                } catch (ConfigException ignored) {
                    usable.add(new io.ferry.proxy.config.ClusterConfig(c.index(), c.name(), c.type(), c.lbType(),
                            List.of(), c.connectTimeout(), c.idleTimeout(), c.maxConnections()));
                }
            }
            clusterManager = ClusterManager.create(usable, transport, waterMark, reads);
        }

        FilterScheduler scheduler = options.scheduler();
        if (scheduler == null) {
            ownTimer = new FilterTimer();
            scheduler = ownTimer;
        }
        AdminRegistry adminRegistry;
        if (config.admin().isPresent()) {
            adminServer = new AdminServer(config.admin().get(), config.source(), this::stats);
            adminServer.dumpDecorator(clusterManager::dumpHosts);
            adminRegistry = adminServer;
            filterStats = adminServer.filterStats();
        } else {
            if (bind) {
                LOG.info("no admin config, no admin API served");
            }
            adminRegistry = new RuntimeFilterEnvironment.DetachedAdminRegistry();
            detachedStats = new FilterStatsRegistry();
            filterStats = detachedStats;
        }
        filterStats.includeTyped(filterMetrics);
        RuntimeFilterEnvironment environment = new RuntimeFilterEnvironment(adminRegistry, filterStats, filterMetrics,
                scheduler, clusterManager.clusters().keySet(), registry);

        List<ListenerRuntime> all = Collections.unmodifiableList(listeners);
        for (ListenerConfig lc : config.server().listeners()) {
            RuntimeListenerInfo info = new RuntimeListenerInfo(lc);
            List<ListenerRuntime.Factory> factories = new ArrayList<>();
            for (FilterEntry entry : lc.filters()) {
                try {
                    factories.add(new ListenerRuntime.Factory(entry.type(), createFactory(registry, entry,
                            environment, info)));
                } catch (ConfigException e) {
                    problems.add(e);
                }
            }
            listeners.add(new ListenerRuntime(lc, info, factories, () -> all, clusterManager));
            if (lc.originalDst() != null && transport != IoTransport.EPOLL) {
                problems.add(ConfigException.at(lc.path() + ".use_original_dst", lc.originalDst().type(),
                        "absent on the NIO transport; reading the original destination (SO_ORIGINAL_DST) and"
                                + " transparent listeners (IP_TRANSPARENT) need the native epoll transport (Linux)"));
            }
        }
        problems.throwIfAny(null);
        if (!bind) {
            return;
        }
        for (ListenerRuntime l : listeners) {
            if (l.config.bindPort()) {
                try {
                    bind(l, waterMark, reads);
                } catch (ConfigException e) {
                    problems.add(e);
                }
            } else {
                LOG.info("listener {} has bind_port false: not listening; it takes connections handed over by a"
                        + " listener with use_original_dst", l.config.name());
            }
        }
        problems.throwIfAny(null);
        if (adminServer != null) {
            adminServer.secretFields(this::secretFields);
            try {
                adminAddress = adminServer.start();
            } catch (Exception e) {
                throw ConfigException.at("admin.address.socket_address", config.admin().get().address() + ":"
                        + config.admin().get().port(), "an address this host can listen on (" + e.getMessage() + ")");
            }
            LOG.info("admin API on http://{}:{}/", adminAddress.getHostString(), adminAddress.getPort());
        }
        List<ListenerStats> listenerStats = new ArrayList<>();
        for (ListenerRuntime l : listeners) {
            listenerStats.add(l.stats);
        }
        for (PrometheusSinkConfig pc : config.prometheus()) {
            PrometheusSink sink = new PrometheusSink(pc, new FerryCollector(listenerStats, clusterManager,
                    filterMetrics, filterStats, pc.percentiles(), pc.statsMatcher()), HttpLimits.defaults());
            prometheusSinks.add(sink);
            try {
                prometheusAddresses.add(sink.start());
            } catch (Exception e) {
                throw ConfigException.at(pc.path() + ".config.port", pc.port(), "a port this host can listen on ("
                        + e.getMessage() + ")");
            }
        }
    }

    /** The address of every prometheus sink's endpoint, in config order (real ports for port 0). */
    public List<InetSocketAddress> prometheusAddresses() {
        return List.copyOf(prometheusAddresses);
    }

    /** The filters' typed metrics (what {@code FilterEnvironment.metrics()} hands out). */
    public LocalMetricRegistry filterMetrics() {
        return filterMetrics;
    }

    /**
     * Checks {@code config} as {@link #start} would, without listening: builds the clusters and every filter factory
     * (so that each filter validates its config), then closes everything. Returns every problem, one line each;
     * empty when the config would start (binding aside).
     */
    public static List<String> check(FerryConfig config, FilterRegistry registry, ProxyOptions options) {
        ProxyServer server = new ProxyServer(config, options);
        try {
            server.doStart(registry, false);
            return List.of();
        } catch (ConfigException e) {
            return e.problems();
        } catch (RuntimeException e) {
            return List.of("startup failed: " + e);
        } finally {
            server.close();
        }
    }

    private NetworkFilterChainFactory createFactory(FilterRegistry registry, FilterEntry entry,
                                                    RuntimeFilterEnvironment environment, RuntimeListenerInfo info)
            throws ConfigException {
        NetworkFilterFactoryProvider provider;
        try {
            provider = registry.require(entry.type(), entry.path());
        } catch (Exception e) {
            throw new ConfigException(e.getMessage(), e);
        }
        RuntimeFilterConfig filterConfig = new RuntimeFilterConfig(entry, environment, pluginScopes);
        declareSecrets(entry, provider, filterConfig);
        NetworkFilterChainFactory factory;
        try {
            // A provider may learn more secret keys in create(), from the extensions it finds there (tcpcopy: the
            // sink providers of the plugin directory): they are declared again whether create() succeeds or not.
            try {
                factory = provider.create(filterConfig);
            } finally {
                declareSecrets(entry, provider, filterConfig);
            }
            if (factory == null) {
                throw ConfigException.at(entry.path(), entry.type(), "a filter whose provider "
                        + provider.getClass().getName() + " creates a factory (it returned null)");
            }
            if (factory instanceof AutoCloseable c) {
                closeables.add(c);
            }
            if (factory instanceof FactoryInitializer initializer) {
                initializer.init(info);
            }
        } catch (FilterConfigException e) {
            throw new ConfigException(e.getMessage(), e);
        } catch (LinkageError e) {
            // a class missing from a plugin, or a static initialiser that threw: the registry's one line, no trace
            throw new ConfigException(registry.creationFailure(provider, entry.path(), e), e);
        } catch (RuntimeException e) {
            throw new ConfigException(filterConfig.path() + ": the \"" + entry.type() + "\" filter ("
                    + provider.getClass().getName() + ") failed: " + e
                    + " (expected: a valid config, or a FilterConfigException saying what is wrong)", e);
        }
        return factory;
    }

    /** Records the keys {@code provider} declares secret for its type, and hides their values in the log. */
    private void declareSecrets(FilterEntry entry, NetworkFilterFactoryProvider provider,
                                RuntimeFilterConfig filterConfig) {
        Set<String> secret = declaredSecrets(provider);
        if (!secret.isEmpty()) {
            secretFields.merge(entry.type(), secret, (a, b) -> {
                Set<String> u = new java.util.HashSet<>(a);
                u.addAll(b);
                return Set.copyOf(u);
            });
        }
        LogRedaction.add(Secrets.secretValues(filterConfig.asMap(), secret));
    }

    private static Set<String> declaredSecrets(NetworkFilterFactoryProvider provider) {
        try {
            Set<String> s = provider.secretFields();
            return s == null ? Set.of() : Set.copyOf(s);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("filter type {}: secretFields() failed ({}); only keys named like credentials are hidden",
                    provider.type(), e.toString());
            return Set.of();
        }
    }

    /** The keys each filter type declares secret, for redacting its config ({@link ConfigRedactor}). */
    public Set<String> secretFields(String filterType) {
        return secretFields.getOrDefault(filterType, Set.of());
    }

    /**
     * Refuses a {@code tproxy} listener this process may not make transparent, before binding it: setting
     * {@code IP_TRANSPARENT} on a socket of its own first, which fails without {@code CAP_NET_ADMIN} or
     * {@code CAP_NET_RAW}. (On the bootstrap, the failure would only be logged by Netty with a stack trace, and the bind
     * would then fail with a message that does not say why.)
     */
    private void checkTransparent(ListenerRuntime l) throws ConfigException {
        Channel probe = transport.tcpServer().newChannel();
        try {
            probe.config().setOption(io.netty.channel.epoll.EpollChannelOption.IP_TRANSPARENT, true);
        } catch (io.netty.channel.ChannelException e) {
            throw ConfigException.at(l.config.path() + ".use_original_dst", l.config.originalDst().type(),
                    "a listener this process may make transparent (IP_TRANSPARENT needs CAP_NET_ADMIN or CAP_NET_RAW): "
                            + e.getMessage());
        } finally {
            probe.unsafe().closeForcibly();
        }
    }

    private void bind(ListenerRuntime l, WriteBufferWaterMark waterMark, RecvByteBufAllocator reads)
            throws ConfigException {
        boolean unix = "unix".equals(l.config.network());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channelFactory(unix ? transport.unixServer() : transport.tcpServer())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, reads)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new NettyTransport(l));
                    }
                });
        b.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        SocketAddress address = l.info.bindAddress();
        if (l.config.originalDst() != null
                && io.ferry.proxy.config.OriginalDstConfig.TPROXY.equals(l.config.originalDst().type())) {
            checkTransparent(l);
            b.option(io.netty.channel.epoll.EpollChannelOption.IP_TRANSPARENT, true);
        }
        java.nio.file.Path socketFile = null;
        if (unix) {
            socketFile = java.nio.file.Path.of(l.config.address()).toAbsolutePath();
            UnixSocketFiles.prepare(socketFile, l.config.path() + ".address");
            address = transport.unixAddress(l.config.address());
        } else {
            b.option(ChannelOption.SO_REUSEADDR, true).childOption(ChannelOption.TCP_NODELAY, true);
        }
        ChannelFuture f;
        try {
            f = b.bind(address).awaitUninterruptibly();
        } catch (RuntimeException e) {
            f = null;
            throw ConfigException.at(l.config.path() + ".use_original_dst", l.config.originalDst() == null ? null
                    : l.config.originalDst().type(), "a listener this process may make transparent"
                    + " (IP_TRANSPARENT needs CAP_NET_ADMIN or CAP_NET_RAW): " + e.getMessage());
        }
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            if (l.config.originalDst() != null && String.valueOf(cause).contains("IP_TRANSPARENT")) {
                throw ConfigException.at(l.config.path() + ".use_original_dst", l.config.originalDst().type(),
                        "a listener this process may make transparent (IP_TRANSPARENT needs CAP_NET_ADMIN or"
                                + " CAP_NET_RAW): " + cause.getMessage());
            }
            throw new ConfigException(io.ferry.filter.api.spi.FilterConfigException.format(l.config.path() + ".address",
                    l.config.address(), "an address this host can listen on; binding failed: " + cause.getMessage()),
                    cause);
        }
        Channel ch = f.channel();
        if (socketFile != null) {
            socketFiles.put(ch, new SocketFile(socketFile, UnixSocketFiles.fileKey(socketFile)));
        }
        SocketAddress bound = IoTransport.toJdk(ch.localAddress());
        l.info.bound(bound);
        serverChannels.put(l.config.name(), ch);
        LOG.info("listener {} on {} ({})", l.config.name(), bound, transport.name().toLowerCase(java.util.Locale.ROOT));
    }

    /** The bound address of every listening listener, by name, in config order (real ports for port 0). */
    public Map<String, SocketAddress> listeners() {
        Map<String, SocketAddress> m = new LinkedHashMap<>();
        synchronized (this) {
            for (ListenerRuntime l : listeners) {
                if (serverChannels.containsKey(l.config.name())) {
                    m.put(l.config.name(), l.info.socketAddress());
                }
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** The filter factories of listener {@code name}, in config order; empty for an unknown name. */
    public List<NetworkFilterChainFactory> filterFactories(String name) {
        for (ListenerRuntime l : listeners) {
            if (l.config.name().equals(name)) {
                List<NetworkFilterChainFactory> out = new ArrayList<>();
                for (ListenerRuntime.Factory f : l.factories) {
                    out.add(f.factory());
                }
                return Collections.unmodifiableList(out);
            }
        }
        return List.of();
    }

    /** The admin server's address, when an {@code admin} block is configured. */
    public Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(adminAddress);
    }

    /** The clusters. */
    public ClusterManager clusterManager() {
        return clusterManager;
    }

    /** The transport in use: {@code "epoll"} or {@code "nio"}. */
    public String transportName() {
        return transport.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The runtime counters: {@code {"listeners": {name: {...}}, "clusters": {name: {..., "hosts": {...}}}}}, plus
     * the filters' counters and typed metrics under {@code "filters"}.
     */
    public JsonObject stats() {
        JsonObject all = new JsonObject();
        JsonObject ls = new JsonObject();
        for (ListenerRuntime l : listeners) {
            ls.add(l.config.name(), l.stats.toJson());
        }
        all.add("listeners", ls);
        all.add("clusters", clusterManager == null ? new JsonObject() : clusterManager.statsJson());
        if (filterStats != null) {
            all.add("filters", filterStats.snapshot());
        }
        return all;
    }

    /**
     * The bytes queued in the proxy's socket write buffers right now, downstream and upstream: what the proxy holds
     * in memory because a peer reads slower than the other side sends. Back-pressure keeps it near the write
     * high-water mark per connection and direction.
     */
    public long pendingWriteBytes() {
        long total = pending(connections);
        if (clusterManager != null) {
            total += pending(clusterManager.connections());
        }
        return total;
    }

    private static long pending(ChannelGroup channels) {
        long total = 0;
        for (Channel ch : channels) {
            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            if (out != null) {
                total += out.totalPendingWriteBytes();
            }
        }
        return total;
    }

    /**
     * Stops accepting (new connections are refused), waits up to {@code servers[0].graceful_timeout} for open
     * connections to finish, then {@link #close()}s the rest. Blocks the caller meanwhile; a {@link #close()} from
     * another thread during the wait (the CLI's second stop signal) ends it at once.
     */
    public void shutdownGracefully() {
        Duration timeout = config.server().gracefulTimeout();
        stopAccepting();
        for (Channel ch : connections) {
            NettyTransport t = ch.pipeline().get(NettyTransport.class);
            if (t != null) {
                t.shutdownStarted();
            }
        }
        long deadline = System.nanoTime() + (timeout == null ? 0 : timeout.toNanos());
        while (!connections.isEmpty() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!connections.isEmpty()) {
            LOG.info("graceful timeout {} reached, closing {} connections", timeout, connections.size());
        }
        close();
    }

    private void stopAccepting() {
        List<Channel> channels;
        synchronized (this) {
            channels = new ArrayList<>(serverChannels.values());
            serverChannels.clear();
        }
        for (Channel ch : channels) {
            SocketFile file = socketFiles.remove(ch);
            if (file != null && !(ch instanceof NioUnixServerChannel) && !UnixSocketFiles.owned(file.path(), file.key())) {
                LOG.info("leaving {} in place: it is no longer the socket file this proxy created", file.path());
                UnixSocketFiles.keepFileOnClose(ch);
            }
            ch.close().awaitUninterruptibly();
        }
    }

    /** A unix listener's socket file and its identity when this proxy created it. */
    private record SocketFile(java.nio.file.Path path, Object key) {
    }

    /** Closes everything at once: listeners, connections, admin, event loops, closeable factories, the timer. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                awaitClosed();
                return;
            }
            closed = true;
        }
        try {
            doClose();
        } finally {
            closedLatch.countDown();
        }
    }

    /** Another thread is closing: waits (up to 30 s) until it is done, so every caller returns with it closed. */
    private void awaitClosed() {
        try {
            closedLatch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void doClose() {
        stopAccepting();
        for (Channel ch : connections) {
            NettyTransport t = ch.pipeline().get(NettyTransport.class);
            if (t != null) {
                t.closeForShutdown();   // as by a filter, so the listeners get LOCAL_CLOSE
            }
        }
        connections.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (clusterManager != null) {
            clusterManager.close();
            clusterManager.connections().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (PrometheusSink sink : prometheusSinks) {
            sink.close();
        }
        if (adminServer != null) {
            try {
                adminServer.close();
            } catch (Exception e) {
                LOG.warn("closing the admin server failed", e);
            }
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing filter factory {} failed", c.getClass().getName(), e);
            }
        }
        pluginScopes.close();
        if (ownTimer != null) {
            ownTimer.close();
        }
    }
}
