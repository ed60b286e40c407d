package io.ferry.filter.api.upstream;

import io.ferry.filter.api.Experimental;

/**
 * Opens upstream connections for the filters of one downstream connection, through the runtime's cluster manager:
 * the cluster's load balancer picks the host, its {@code connect_timeout}, circuit breaker
 * ({@code circuit_breakers[0].max_connections}), {@code mark}, {@code idle_timeout} and health checks apply, and its
 * counters and its hosts' ({@code connections_total}, {@code connect_failures}, {@code bytes_in}, ...) are kept, as
 * for {@code tcp_proxy}, which uses nothing else. Envoy: {@code ThreadLocalCluster::tcpConnPool};
 * MOSN: {@code ClusterManager.TCPConnForCluster}.
 *
 * <p>Obtained from {@link io.ferry.filter.api.ReadFilterCallbacks#upstreams()}. The connections it opens live on the
 * downstream connection's thread, so a filter relaying between the two needs no lock.
 *
 * <pre>{@code
 * public FilterStatus onNewConnection() {
 *     connection.setReadDisable(true);                  // hold the client's bytes in the kernel until connected
 *     upstream = callbacks.upstreams().connect(UpstreamRoute.toCluster("backend"), 0, this);
 *     return FilterStatus.CONTINUE;
 * }
 * public void onEvent(ConnectionEvent e) {              // UpstreamCallbacks
 *     if (e == ConnectionEvent.CONNECTED) connection.setReadDisable(false);
 * }
 * public FilterStatus onData(IoBuffer buffer) {
 *     upstream.writeFrom(buffer);                       // moves the bytes, no copy
 *     return FilterStatus.STOP;
 * }
 * }</pre>
 */
@Experimental
public interface UpstreamConnector {

    /**
     * A connector of a runtime without clusters: {@link #connect} throws {@link UnsupportedOperationException}.
     */
    UpstreamConnector NONE = (route, maxConnectAttempts, callbacks) -> {
        throw new UnsupportedOperationException("this runtime opens no upstream connections (it has no cluster "
                + "manager); run the filter in the Ferry proxy runtime or the test kit");
    };

    /**
     * Starts connecting to a host of {@code route}'s cluster and returns the connection at once; what happens next
     * arrives at {@code callbacks} (see {@link UpstreamCallbacks} for the order), never from inside this call.
     *
     * <p>Attempts: up to {@code maxConnectAttempts}, each to a host the cluster's load balancer picks (MOSN's
     * {@code upstream_index} moves {@code LB_MAGLEV} and {@code LB_REQUEST_ROUNDROBIN} on to the next host after a
     * failed one), each bounded by the cluster's {@code connect_timeout}; {@code 0} means the cluster's default, MOSN's
     * {@code min(hosts, 3)} (one for an {@code ORIGINAL_DST} cluster). The circuit-breaker slot is taken before the
     * first attempt and held until the connection closes.
     *
     * <p>May be called from any thread. A connection asked for once the downstream connection is closed is never
     * attempted and makes no callback.
     *
     * @param route              the cluster and the host hint; must name a cluster
     * @param maxConnectAttempts 1 to 100, or 0 for the cluster's default
     * @param callbacks          where the connection's events and bytes go
     * @throws IllegalArgumentException if {@code route} names no cluster ({@link UpstreamRoute#configuredCluster()})
     *                                  or {@code maxConnectAttempts} is out of range
     */
    UpstreamConnection connect(UpstreamRoute route, int maxConnectAttempts, UpstreamCallbacks callbacks);

    /** {@link #connect(UpstreamRoute, int, UpstreamCallbacks)} with the cluster's default number of attempts. */
    default UpstreamConnection connect(UpstreamRoute route, UpstreamCallbacks callbacks) {
        return connect(route, 0, callbacks);
    }
}
