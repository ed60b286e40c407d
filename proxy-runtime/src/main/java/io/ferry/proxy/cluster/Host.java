package io.ferry.proxy.cluster;

import io.ferry.filter.api.HostInfo;
import io.ferry.proxy.stats.ClusterStats;

import java.net.InetSocketAddress;

/**
 * One upstream host of a {@link Cluster}: its configured address, weight and counters. Immutable apart from its
 * thread-safe {@link #stats()}.
 */
public final class Host implements HostInfo {

    private final String address;
    private final String clusterName;
    private final int weight;
    private final InetSocketAddress inetAddress;
    private final String unixPath;
    private final ClusterStats stats = new ClusterStats();

    Host(String address, String clusterName, int weight, InetSocketAddress inetAddress, String unixPath) {
        this.address = address;
        this.clusterName = clusterName;
        this.weight = weight;
        this.inetAddress = inetAddress;
        this.unixPath = unixPath;
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

    /** This host's counters. */
    public ClusterStats stats() {
        return stats;
    }

    @Override
    public String toString() {
        return clusterName + "/" + address;
    }
}
