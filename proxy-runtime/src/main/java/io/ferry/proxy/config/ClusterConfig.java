package io.ferry.proxy.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code cluster_manager.clusters[i]}.
 *
 * @param index          {@code i}, for JSON paths in messages
 * @param name           {@code name} (required)
 * @param type           {@code type}: SIMPLE or STRICT_DNS (anything else is SIMPLE, as in MOSN)
 * @param lbType         {@code lb_type}; unknown or empty is round robin, as in MOSN
 * @param hosts          {@code hosts[]}
 * @param connectTimeout {@code connect_timeout}, default 10 s
 * @param idleTimeout    {@code idle_timeout} for upstream connections; {@link Duration#ZERO} = none (the default)
 * @param maxConnections {@code circuit_breakers[0].max_connections}; 0 = unlimited
 */
public record ClusterConfig(int index, String name, String type, LbType lbType, List<HostConfig> hosts,
                            Duration connectTimeout, Duration idleTimeout, int maxConnections) {

    public ClusterConfig {
        hosts = List.copyOf(hosts);
    }

    /** The JSON path of this cluster, e.g. {@code cluster_manager.clusters[0]}. */
    public String path() {
        return "cluster_manager.clusters[" + index + "]";
    }
}
