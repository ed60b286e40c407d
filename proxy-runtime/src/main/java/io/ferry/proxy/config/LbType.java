package io.ferry.proxy.config;

/** The load balancers Ferry implements, by their MOSN {@code lb_type} names. */
public enum LbType {
    LB_RANDOM,
    LB_ROUNDROBIN,
    LB_WEIGHTED_ROUNDROBIN
}
