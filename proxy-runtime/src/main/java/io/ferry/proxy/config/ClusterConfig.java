package io.ferry.proxy.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code cluster_manager.clusters[i]}, or one file of {@code cluster_manager.clusters_configs}.
 *
 * @param index             {@code i} (the position among all clusters), for JSON paths in messages
 * @param name              {@code name} (required)
 * @param type              {@code type}: SIMPLE, STRICT_DNS or ORIGINAL_DST (anything else is SIMPLE, as in MOSN)
 * @param lbType            {@code lb_type}; unknown or empty is round robin, as in MOSN; ORIGINAL_DST forces
 *                          {@link LbType#LB_ORIGINAL_DST}
 * @param hosts             {@code hosts[]}
 * @param connectTimeout    {@code connect_timeout}, default 10 s
 * @param idleTimeout       {@code idle_timeout} for upstream connections; {@link Duration#ZERO} = none (the default)
 * @param maxConnections    {@code circuit_breakers[0].max_connections}; 0 = unlimited
 * @param healthCheck       {@code health_check} when enabled (it has a {@code service_name}), else null
 * @param choiceCount       {@code lbconfig.choice_count}, default 2: candidates compared by the least-connection,
 *                          least-request and peak-EWMA balancers
 * @param activeRequestBias {@code lbconfig.active_request_bias}, default 1.0
 * @param dnsRefreshRate    {@code dns_refresh_rate} of a STRICT_DNS cluster, default 5 s
 * @param dnsLookupFamily   {@code dns_lookup_family}: {@code V4_ONLY}, {@code V6_ONLY} or {@code ""} (both)
 * @param mark              {@code mark}: SO_MARK of upstream sockets; 0 = none
 * @param replaceLocal      {@code original_dst_lb_config.replace_local}: an ORIGINAL_DST cluster connects to
 *                          127.0.0.1 on the original port
 * @param file              the file of {@code clusters_configs} this cluster comes from, or null for an inline one
 */
public record ClusterConfig(int index, String name, String type, LbType lbType, List<HostConfig> hosts,
                            Duration connectTimeout, Duration idleTimeout, int maxConnections,
                            HealthCheckConfig healthCheck, int choiceCount, double activeRequestBias,
                            Duration dnsRefreshRate, String dnsLookupFamily, long mark, boolean replaceLocal,
                            String file) {

    /** MOSN's default {@code dns_refresh_rate} (pkg/upstream/cluster/strict_dns_cluster.go). */
    public static final Duration DEFAULT_DNS_REFRESH_RATE = Duration.ofSeconds(5);

    public ClusterConfig {
        hosts = List.copyOf(hosts);
    }

    /** An inline SIMPLE-style cluster with MOSN's defaults for everything else. */
    public ClusterConfig(int index, String name, String type, LbType lbType, List<HostConfig> hosts,
                         Duration connectTimeout, Duration idleTimeout, int maxConnections) {
        this(index, name, type, lbType, hosts, connectTimeout, idleTimeout, maxConnections, null, 2, 1.0,
                DEFAULT_DNS_REFRESH_RATE, "", 0, false, null);
    }

    /**
     * The JSON path of this cluster: {@code cluster_manager.clusters[0]}, or for a cluster file
     * {@code cluster_manager.clusters_configs["backend.json"]}.
     */
    public String path() {
        return file == null ? "cluster_manager.clusters[" + index + "]"
                : "cluster_manager.clusters_configs[\"" + file + "\"]";
    }

    /** A copy with another {@code health_check} (for tests and programmatic configs). */
    public ClusterConfig withHealthCheck(HealthCheckConfig hc) {
        return new ClusterConfig(index, name, type, lbType, hosts, connectTimeout, idleTimeout, maxConnections, hc,
                choiceCount, activeRequestBias, dnsRefreshRate, dnsLookupFamily, mark, replaceLocal, file);
    }

    /** A copy with another {@code type} and {@code dns_refresh_rate}. */
    public ClusterConfig withType(String newType, Duration refresh) {
        return new ClusterConfig(index, name, newType, lbType, hosts, connectTimeout, idleTimeout, maxConnections,
                healthCheck, choiceCount, activeRequestBias, refresh, dnsLookupFamily, mark, replaceLocal, file);
    }

    /** A copy with another {@code mark}. */
    public ClusterConfig withMark(long newMark) {
        return new ClusterConfig(index, name, type, lbType, hosts, connectTimeout, idleTimeout, maxConnections,
                healthCheck, choiceCount, activeRequestBias, dnsRefreshRate, dnsLookupFamily, newMark, replaceLocal,
                file);
    }
}
