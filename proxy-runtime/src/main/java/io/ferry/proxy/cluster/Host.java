package io.ferry.proxy.cluster;

import io.ferry.filter.api.HostInfo;
import io.ferry.proxy.stats.ClusterStats;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One upstream host of a {@link Cluster}: its address, weight, counters, health and connect-latency average.
 *
 * <h2>Health</h2>
 * A host is healthy until its cluster's active health check finds it unhealthy ({@code unhealthy_threshold} failed
 * checks in a row) and healthy again after {@code healthy_threshold} successful ones; every load balancer skips
 * unhealthy hosts. MOSN: the {@code FAILED_ACTIVE_HC} health flag.
 *
 * <h2>Peak EWMA of the connect latency</h2>
 * {@link #recordConnectLatency} keeps a peak-sensitive exponentially weighted moving average of how long connects to
 * this host take (a slower connect raises it at once; faster ones lower it with a 10 s time constant), which
 * {@code LB_PEAK_EWMA} compares.
 *
 * <p>Thread-safe: the health flag is volatile, the average is swapped atomically, the counters are lock-free.
 */
public final class Host implements HostInfo {

    /** The time constant of the connect-latency average. */
    static final double EWMA_TAU_NANOS = 10e9;

    private final String address;
    private final String clusterName;
    private final int weight;
    private final InetSocketAddress inetAddress;
    private final String unixPath;
    private final String hostname;
    private final ClusterStats stats = new ClusterStats();
    private final AtomicReference<Ewma> connectLatency = new AtomicReference<>();
    private volatile boolean healthy = true;

    Host(String address, String clusterName, int weight, InetSocketAddress inetAddress, String unixPath) {
        this(address, clusterName, weight, inetAddress, unixPath, null);
    }

    /**
     * @param hostname for a host found by resolving a STRICT_DNS cluster's {@code name:port}, that name and port;
     *                 else null
     */
    Host(String address, String clusterName, int weight, InetSocketAddress inetAddress, String unixPath,
         String hostname) {
        this.address = address;
        this.clusterName = clusterName;
        this.weight = weight;
        this.inetAddress = inetAddress;
        this.unixPath = unixPath;
        this.hostname = hostname;
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public String clusterName() {
        return clusterName;
    }

    @Override
    public int weight() {
        return weight;
    }

    /** The TCP address, or {@code null} for a {@code unix:} host. */
    public InetSocketAddress inetAddress() {
        return inetAddress;
    }

    /** The socket path of a {@code unix:/path} host, or {@code null} for a TCP host. */
    public String unixPath() {
        return unixPath;
    }

    /** The configured {@code name:port} this host was resolved from (STRICT_DNS), or null. */
    public String hostname() {
        return hostname;
    }

    /** This host's counters. */
    public ClusterStats stats() {
        return stats;
    }

    /** False while the active health check holds this host out of the rotation. */
    public boolean isHealthy() {
        return healthy;
    }

    void healthy(boolean value) {
        this.healthy = value;
    }

    /** Open upstream connections to this host (what the least-connection balancers compare). */
    public long activeConnections() {
        return stats.connectionsActive();
    }

    /** Feeds one successful connect's duration into the peak EWMA. */
    public void recordConnectLatency(long nanos, long nowNanos) {
        for (; ; ) {
            Ewma old = connectLatency.get();
            double value;
            if (old == null || nanos > old.value) {
                value = nanos;
            } else {
                double w = Math.exp(-Math.max(0, nowNanos - old.stamp) / EWMA_TAU_NANOS);
                value = old.value * w + nanos * (1 - w);
            }
            if (connectLatency.compareAndSet(old, new Ewma(value, nowNanos))) {
                return;
            }
        }
    }

    /** The peak EWMA of the connect latency in nanoseconds, or 0 before the first connect. */
    public double connectLatencyEwma() {
        Ewma e = connectLatency.get();
        return e == null ? 0 : e.value;
    }

    private record Ewma(double value, long stamp) {
    }

    @Override
    public String toString() {
        return clusterName + "/" + address;
    }
}
