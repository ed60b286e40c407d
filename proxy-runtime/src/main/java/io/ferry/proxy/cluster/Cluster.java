package io.ferry.proxy.cluster;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.ferry.proxy.config.ClusterConfig;
import io.ferry.proxy.stats.ClusterStats;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.unix.IntegerUnixChannelOption;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One cluster at run time: its hosts and load balancer, connect timeout, circuit breaker, {@code mark},
 * {@code idle_timeout}, health check and counters. MOSN: {@code types.Cluster} with its snapshot.
 *
 * <h2>Host set</h2>
 * The hosts and the load balancer built over them form one immutable snapshot, replaced as a whole when a STRICT_DNS
 * cluster's names resolve differently ({@link #updateHosts}); a host that stays keeps its object, so its counters,
 * health and open connections are untouched, and connections to a host that went away stay open.
 *
 * <p>Thread-safe: {@link #chooseHost}, {@link #tryAcquireConnection()} and {@link #connect} are called from every
 * event loop at once, without locks; a pick reads one volatile field.
 */
public final class Cluster {

    /** {@code SO_MARK} (Linux: {@code SOL_SOCKET} 1, {@code SO_MARK} 36), set through the native transport. */
    static final IntegerUnixChannelOption SO_MARK = new IntegerUnixChannelOption("SO_MARK", 1, 36);

    private final ClusterConfig config;
    private final LoadBalancer.Options lbOptions;
    private volatile Snapshot snapshot;
    private final ClusterStats stats = new ClusterStats();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final Bootstrap tcpTemplate;
    private final Bootstrap unixTemplate;
    private final UpstreamChannels channels;
    private final ChannelGroup connections;
    private HealthChecker healthChecker;

    /** The hosts and the balancer over them. */
    private record Snapshot(List<Host> hosts, LoadBalancer lb) {
    }

    Cluster(ClusterConfig config, List<Host> hosts, UpstreamChannels channels, WriteBufferWaterMark waterMark,
            RecvByteBufAllocator reads, ChannelGroup connections) {
        this.connections = connections;
        this.config = config;
        long defaultLatency = config.connectTimeout().plus(config.idleTimeout()).toNanos();
        this.lbOptions = new LoadBalancer.Options(config.choiceCount(), config.activeRequestBias(),
                defaultLatency > 0 ? defaultLatency : 10e9, config.replaceLocal(), config.name());
        this.snapshot = new Snapshot(List.copyOf(hosts), LoadBalancer.of(config.lbType(), hosts, lbOptions));
        this.channels = channels;
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.connectTimeout().toMillis()));
        this.tcpTemplate = new Bootstrap()
                .channelFactory(channels.tcp())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .option(ChannelOption.RCVBUF_ALLOCATOR, reads);
        if (config.mark() != 0) {
            tcpTemplate.option(SO_MARK, (int) config.mark());
        }
        this.unixTemplate = new Bootstrap()
                .channelFactory(channels.unix())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .option(ChannelOption.RCVBUF_ALLOCATOR, reads);
    }

    public String name() {
        return config.name();
    }

    public ClusterConfig config() {
        return config;
    }

    /** The hosts now (a STRICT_DNS cluster's change when its names resolve differently). */
    public List<Host> hosts() {
        return snapshot.hosts();
    }

    public Duration connectTimeout() {
        return config.connectTimeout();
    }

    /** {@code idle_timeout} of upstream connections; {@link Duration#ZERO} = none. */
    public Duration idleTimeout() {
        return config.idleTimeout();
    }

    /** {@code circuit_breakers[0].max_connections}; 0 = unlimited. */
    public int maxConnections() {
        return config.maxConnections();
    }

    public ClusterStats stats() {
        return stats;
    }

    /** The health check, or null when the cluster has none. */
    public HealthChecker healthChecker() {
        return healthChecker;
    }

    void healthChecker(HealthChecker checker) {
        this.healthChecker = checker;
        checker.hosts(snapshot.hosts());
    }

    Bootstrap tcpTemplate() {
        return tcpTemplate;
    }

    Bootstrap unixTemplate() {
        return unixTemplate;
    }

    /** Replaces the host set (a DNS refresh); connections already open stay. */
    void updateHosts(List<Host> hosts) {
        snapshot = new Snapshot(List.copyOf(hosts), LoadBalancer.of(config.lbType(), hosts, lbOptions));
        HealthChecker hc = healthChecker;
        if (hc != null) {
            hc.hosts(hosts);
        }
    }

    /** The host for the next connection attempt, or {@code null} if the cluster has none to use. */
    public Host chooseHost() {
        return snapshot.lb().choose(LbContext.NONE);
    }

    /** The host for the next connection attempt of the connection {@code context} describes, or {@code null}. */
    public Host chooseHost(LbContext context) {
        return snapshot.lb().choose(context);
    }

    /** True for an {@code ORIGINAL_DST} cluster: its host is each connection's original destination. */
    public boolean isOriginalDst() {
        return config.lbType() == io.ferry.proxy.config.LbType.LB_ORIGINAL_DST;
    }

    /**
     * How many connect attempts a connection gets by default: MOSN's {@code min(hosts, 3)}; 1 for an ORIGINAL_DST
     * cluster (its one host is the original destination).
     */
    public int defaultConnectAttempts() {
        if (isOriginalDst()) {
            return 1;
        }
        return Math.min(snapshot.hosts().size(), 3);
    }

    /**
     * Takes one slot of the circuit breaker. Returns false (and counts an overflow) when {@code max_connections}
     * connections are already open or being opened; otherwise the caller must {@link #releaseConnection()} once.
     */
    public boolean tryAcquireConnection() {
        int max = config.maxConnections();
        if (max <= 0) {
            openConnections.incrementAndGet();
            return true;
        }
        for (; ; ) {
            int n = openConnections.get();
            if (n >= max) {
                stats.overflow();
                return false;
            }
            if (openConnections.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Returns a slot taken with {@link #tryAcquireConnection()}. */
    public void releaseConnection() {
        openConnections.decrementAndGet();
    }

    /**
     * Opens a connection to {@code host} on {@code loop} (the downstream connection's event loop, so both ends of a
     * proxied connection share one thread), with {@code handler} as its only handler. TCP_NODELAY, half-closure, the
     * connect timeout and the {@code mark} are set; auto-read is on.
     */
    public ChannelFuture connect(EventLoop loop, Host host, ChannelHandler handler) {
        ChannelFuture f = host.unixPath() != null
                ? unixTemplate.clone(loop).handler(handler).connect(channels.unixAddress(host.unixPath()))
                : tcpTemplate.clone(loop).handler(handler).connect(host.inetAddress());
        connections.add(f.channel());
        return f;
    }

    /** This cluster's counters with {@code "hosts"} (each with {@code "healthy"}) and {@code "health_check"}. */
    JsonObject statsJson() {
        JsonObject o = stats.toJson();
        JsonObject hosts = new JsonObject();
        for (Host h : snapshot.hosts()) {
            JsonObject ho = h.stats().toJson();
            ho.addProperty("healthy", h.isHealthy());
            hosts.add(h.address(), ho);
        }
        o.add("hosts", hosts);
        if (healthChecker != null) {
            o.add("health_check", healthChecker.statsJson());
        }
        return o;
    }

    /** The hosts now, for {@code config_dump}: address, weight, the name a DNS host came from, health. */
    JsonArray hostsJson() {
        JsonArray a = new JsonArray();
        for (Host h : snapshot.hosts()) {
            JsonObject o = new JsonObject();
            o.addProperty("address", h.address());
            if (h.hostname() != null) {
                o.addProperty("hostname", h.hostname());
            }
            o.addProperty("weight", h.weight());
            o.addProperty("healthy", h.isHealthy());
            a.add(o);
        }
        return a;
    }
}
