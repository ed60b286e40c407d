package io.ferry.filter.api.upstream;

import io.ferry.filter.api.Experimental;

/**
 * Why an upstream connection could not be established, given once to {@link UpstreamCallbacks#onConnectFailure}.
 * MOSN: the response flags {@code NoRouteFound}, {@code UpstreamOverflow}, {@code NoHealthyUpstream},
 * {@code UpstreamConnectionFailure}.
 */
@Experimental
public enum UpstreamFailure {
    /** The route names a cluster the runtime does not have. */
    NO_CLUSTER,
    /**
     * The cluster's circuit breaker ({@code circuit_breakers[0].max_connections}) was open: that many connections to
     * it are open or being opened. Counted as the cluster's {@code circuit_breaker_overflow}.
     */
    OVERFLOW,
    /**
     * No attempt could be made: the cluster has no host, every host is unhealthy, the route's explicit host is not
     * one of the cluster's, or an {@code ORIGINAL_DST} cluster's connection has no original destination. Counted as
     * the cluster's {@code connections_no_upstream}.
     */
    NO_HOST,
    /**
     * Every connect attempt failed (each one reported {@code CONNECT_FAILED} or {@code CONNECT_TIMEOUT} first).
     * Counted as the cluster's {@code connections_no_upstream}.
     */
    CONNECT_FAILED
}
