package io.ferry.proxy.config;

/**
 * MOSN's load balancer types ({@code lb_type}), all implemented for L4 connections; see
 * {@link io.ferry.proxy.cluster.LoadBalancer} for what each one does.
 */
public enum LbType {
    LB_RANDOM,
    LB_ROUNDROBIN,
    LB_WEIGHTED_ROUNDROBIN,
    LB_LEAST_CONNECTION,
    LB_LEAST_REQUEST,
    LB_PEAK_EWMA,
    LB_MAGLEV,
    LB_REQUEST_ROUNDROBIN,
    /** Forced by {@code type: ORIGINAL_DST}: the host is the connection's original destination. */
    LB_ORIGINAL_DST
}
