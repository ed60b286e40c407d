package io.ferry.proxy.cluster;

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

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code cluster_manager.clusters[]} entry at run time: its hosts, load balancer, connect timeout, circuit
 * breaker and counters. MOSN: {@code types.Cluster} with its snapshot.
 *
 * <p>Thread-safe: {@link #chooseHost()}, {@link #tryAcquireConnection()} and {@link #connect} are called from every
 * event loop at once, without locks.
 */
public final class Cluster {

    private final ClusterConfig config;
    private final List<Host> hosts;
    private final LoadBalancer loadBalancer;
    private final ClusterStats stats = new ClusterStats();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final Bootstrap tcpTemplate;
    private final Bootstrap unixTemplate;
    private final UpstreamChannels channels;
    private final ChannelGroup connections;

    Cluster(ClusterConfig config, List<Host> hosts, UpstreamChannels channels, WriteBufferWaterMark waterMark,
            RecvByteBufAllocator reads, ChannelGroup connections) {
        this.connections = connections;
        this.config = config;
        this.hosts = List.copyOf(hosts);
        this.loadBalancer = LoadBalancer.of(config.lbType(), this.hosts);
        this.channels = channels;
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.connectTimeout().toMillis()));
        this.tcpTemplate = new Bootstrap()
                .channelFactory(channels.tcp())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .option(ChannelOption.RCVBUF_ALLOCATOR, reads);
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

    public List<Host> hosts() {
        return hosts;
    }

    public Duration connectTimeout() {
        return config.connectTimeout();
    }

    /** {@code circuit_breakers[0].max_connections}; 0 = unlimited. */
    public int maxConnections() {
        return config.maxConnections();
    }

    public ClusterStats stats() {
        return stats;
    }

    /** The host for the next connection attempt, or {@code null} if the cluster has no host. */
    public Host chooseHost() {
        return loadBalancer.choose();
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
     * proxied connection share one thread), with {@code handler} as its only handler. TCP_NODELAY, half-closure and
     * the connect timeout are set; auto-read is on.
     */
    public ChannelFuture connect(EventLoop loop, Host host, ChannelHandler handler) {
        ChannelFuture f = host.unixPath() != null
                ? unixTemplate.clone(loop).handler(handler).connect(channels.unixAddress(host.unixPath()))
                : tcpTemplate.clone(loop).handler(handler).connect(host.inetAddress());
        connections.add(f.channel());
        return f;
    }
}
