package io.ferry.proxy.cluster;

/**
 * Implemented by the proxy runtime's filter environment: how the built-in {@code tcp_proxy} reaches the
 * {@link ClusterManager}. Runtime-internal; third-party filters cannot see it (it is not in {@code filter-api}).
 */
public interface ClusterAccess {

    /** The clusters of this runtime. */
    ClusterManager clusterManager();
}
