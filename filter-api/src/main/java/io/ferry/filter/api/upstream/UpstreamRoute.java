package io.ferry.filter.api.upstream;

import io.ferry.filter.api.Experimental;
import io.ferry.filter.api.FilterState;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where an upstream connection goes: a cluster, and optionally a hint for the host pick, a hash key or an explicit
 * host. It is what {@link UpstreamConnector#connect} takes, and what a filter leaves in the connection's
 * {@link FilterState} under {@link #KEY} for a terminal filter placed after it: {@code tcp_proxy} honours it (see
 * {@link #KEY}). Envoy: the cluster of {@code TcpProxy::PerConnectionCluster} plus the load balancer context's
 * hash key and override host. Immutable and thread-safe.
 *
 * <pre>{@code
 * UpstreamRoute.toCluster("payments")                      // any host of cluster "payments", as its lb_type picks
 * UpstreamRoute.toCluster("payments").withHashKey(userId)  // LB_MAGLEV: the same key keeps its host
 * UpstreamRoute.toCluster("payments").withHost("10.0.0.7:8080")   // that host of the cluster, health aside
 * UpstreamRoute.configuredCluster().withHashKey(userId)    // the cluster tcp_proxy's own config picks, this hash
 * }</pre>
 *
 * <h2>The host pick</h2>
 * <ul>
 *   <li>Without a hint, the cluster's {@code lb_type} picks, as for any connection.</li>
 *   <li>{@link #withHashKey(long) A hash key} replaces what {@code LB_MAGLEV} hashes (by default the client's IP):
 *       connections with equal keys go to the same host while the host set stays, and a retry moves on to the next
 *       healthy host as usual. The other balancers ignore it.</li>
 *   <li>{@link #withHost(String) An explicit host} picks the cluster's host whose configured {@code address} is that
 *       string, exactly as written in the cluster (for a STRICT_DNS cluster, one of the resolved {@code ip:port}
 *       addresses), healthy or not; every connect attempt goes there. A cluster without such a host gives no host
 *       (the connect fails with {@link UpstreamFailure#NO_HOST}). For an {@code ORIGINAL_DST} cluster the address is
 *       the destination itself ({@code ip:port}, IPv6 in brackets), in place of the connection's original destination
 *       (MOSN's {@code original_dst_lb_config.use_header}).</li>
 * </ul>
 */
@Experimental
public final class UpstreamRoute {

    /**
     * The filter-state key under which a filter routes the connection for a terminal filter after it. {@code tcp_proxy}
     * reads it when the chain first reaches it: a route naming a cluster replaces the cluster of its {@code cluster}
     * or {@code routes} config; a route made with {@link #configuredCluster()} keeps that cluster and adds its host
     * hint. Mutable: a later filter may refine or replace it before the chain reaches {@code tcp_proxy}.
     */
    public static final FilterState.Key<UpstreamRoute> KEY = FilterState.Key.of("ferry.upstream_route",
            UpstreamRoute.class);

    private static final UpstreamRoute CONFIGURED = new UpstreamRoute(null, false, 0, null);

    private final String cluster;
    private final boolean hasHashKey;
    private final long hashKey;
    private final String host;

    private UpstreamRoute(String cluster, boolean hasHashKey, long hashKey, String host) {
        this.cluster = cluster;
        this.hasHashKey = hasHashKey;
        this.hashKey = hashKey;
        this.host = host;
    }

    /**
     * A route to the cluster named {@code cluster} ({@code cluster_manager.clusters[].name}).
     *
     * @throws IllegalArgumentException if {@code cluster} is empty
     */
    public static UpstreamRoute toCluster(String cluster) {
        return new UpstreamRoute(requireName(cluster), false, 0, null);
    }

    /**
     * A route that names no cluster: the terminal filter uses the cluster its own config picks, with this route's
     * host hint. {@link UpstreamConnector#connect} refuses it (it needs a cluster).
     */
    public static UpstreamRoute configuredCluster() {
        return CONFIGURED;
    }

    /** This route to another cluster, keeping the host hint. */
    public UpstreamRoute withCluster(String cluster) {
        return new UpstreamRoute(requireName(cluster), hasHashKey, hashKey, host);
    }

    /**
     * This route with {@code hashKey} for hashing balancers ({@code LB_MAGLEV}) in place of the client's IP. Derive it
     * from your own key with a good 64-bit hash; equal keys go to the same host.
     */
    public UpstreamRoute withHashKey(long hashKey) {
        return new UpstreamRoute(cluster, true, hashKey, host);
    }

    /**
     * This route to the host of the cluster whose configured address is {@code address} (see the class comment).
     *
     * @throws IllegalArgumentException if {@code address} is empty
     */
    public UpstreamRoute withHost(String address) {
        Objects.requireNonNull(address, "address");
        if (address.isBlank()) {
            throw new IllegalArgumentException("an upstream host address such as \"10.0.0.7:8080\"");
        }
        return new UpstreamRoute(cluster, hasHashKey, hashKey, address);
    }

    /** The cluster's name, or {@code null} for {@link #configuredCluster()}. */
    public String cluster() {
        return cluster;
    }

    /** The hash key, if one was given. */
    public OptionalLong hashKey() {
        return hasHashKey ? OptionalLong.of(hashKey) : OptionalLong.empty();
    }

    /** The explicit host's address, if one was given. */
    public Optional<String> host() {
        return Optional.ofNullable(host);
    }

    private static String requireName(String cluster) {
        Objects.requireNonNull(cluster, "cluster");
        if (cluster.isEmpty()) {
            throw new IllegalArgumentException("a cluster name (cluster_manager.clusters[].name)");
        }
        return cluster;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UpstreamRoute r && Objects.equals(r.cluster, cluster) && r.hasHashKey == hasHashKey
                && r.hashKey == hashKey && Objects.equals(r.host, host);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cluster, hasHashKey, hashKey, host);
    }

    @Override
    public String toString() {
        return "UpstreamRoute(" + (cluster == null ? "the configured cluster" : cluster)
                + (hasHashKey ? ", hash key " + hashKey : "") + (host == null ? "" : ", host " + host) + ")";
    }
}
