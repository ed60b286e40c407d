package io.ferry.proxy.tcpproxy;

import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The validated config of one {@code tcp_proxy} filter entry. MOSN: {@code v2.StreamProxy}.
 *
 * <p>Keys match case-insensitively, as Go's {@code encoding/json} does for MOSN's structs. {@code cluster}, when
 * set, is always used and {@code routes} are ignored (MOSN); otherwise the first matching route picks the cluster.
 * {@code stat_prefix} and {@code idle_timeout} (UDP only in MOSN) are accepted and ignored. Where MOSN silently
 * accepts what can never work (a wrongly typed field, an unknown cluster, a route that can never match), Ferry
 * refuses to start with a {@link FilterConfigException}. Immutable.
 *
 * @param cluster            the fixed cluster's name, or {@code null} when routes decide
 * @param routes             the routes, in order (empty when {@code cluster} is set)
 * @param maxConnectAttempts connect attempts per downstream connection, each to a host chosen by the load balancer;
 *                           0 = MOSN's {@code min(hosts, 3)}. MOSN parses and ignores it; Ferry honours it.
 */
record TcpProxyConfig(String cluster, List<Route> routes, int maxConnectAttempts) {

    private static final Logger LOG = LoggerFactory.getLogger(TcpProxyConfig.class);
    private static final Set<String> ROUTE_KEYS = Set.of("cluster", "sourceaddrs", "destinationaddrs", "sourceport",
            "destinationport");

    /** A route and the name of its cluster (checked to exist). */
    record Route(StreamRoute match, String cluster) {
    }

    /** The cluster for a connection from {@code remote} to {@code local}, or {@code null} if no route matches. */
    String select(SocketAddress remote, SocketAddress local) {
        if (cluster != null) {
            return cluster;
        }
        for (Route r : routes) {
            if (r.match().matches(remote, local)) {
                return r.cluster();
            }
        }
        return null;
    }

    /**
     * Parses and checks one entry's config.
     *
     * @param clusters the names of the runtime's clusters ({@code FilterEnvironment.clusterNames()}), in config order
     */
    static TcpProxyConfig parse(FilterConfig config, Set<String> clusters) throws FilterConfigException {
        Map<String, Object> map = config.asMap();
        String clusterName = null;
        int attempts = 0;
        List<?> routesRaw = List.of();
        String routesPath = config.path("routes");
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            String path = config.path(key);
            switch (key.toLowerCase(Locale.ROOT)) {
                case "cluster" -> {
                    if (v != null && !(v instanceof String)) {
                        throw new FilterConfigException(path, v, "a cluster name (a string)");
                    }
                    clusterName = (String) v;
                }
                case "max_connect_attempts" -> {
                    if (v != null && (!(v instanceof Double d) || d != Math.rint(d) || d < 0 || d > 100)) {
                        throw new FilterConfigException(path, v, "an integer from 1 to 100, or 0 for min(hosts, 3)");
                    }
                    attempts = v == null ? 0 : ((Double) v).intValue();
                }
                case "routes" -> {
                    if (v != null && !(v instanceof List)) {
                        throw new FilterConfigException(path, v, "a list of routes");
                    }
                    routesRaw = v == null ? List.of() : (List<?>) v;
                    routesPath = path;
                }
                case "stat_prefix", "idle_timeout" -> {
                    // Parsed and unused in MOSN for TCP.
                }
                default -> LOG.warn("{}: unknown key, ignored", path);
            }
        }
        if (clusterName != null && !clusterName.isEmpty()) {
            if (!routesRaw.isEmpty()) {
                LOG.warn("{}: ignored because {} is set (MOSN uses the cluster and ignores routes)", routesPath,
                        config.path("cluster"));
            }
            return new TcpProxyConfig(requireCluster(config.path("cluster"), clusterName, clusters), List.of(),
                    attempts);
        }
        if (routesRaw.isEmpty()) {
            throw new FilterConfigException(config.path("cluster"), clusterName,
                    "the name of a cluster in cluster_manager.clusters " + clusters + ", or a non-empty routes list");
        }
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < routesRaw.size(); i++) {
            routes.add(parseRoute(routesPath + "[" + i + "]", routesRaw.get(i), clusters));
        }
        return new TcpProxyConfig(null, List.copyOf(routes), attempts);
    }

    private static Route parseRoute(String path, Object raw, Set<String> clusters) throws FilterConfigException {
        if (!(raw instanceof Map<?, ?> m)) {
            throw new FilterConfigException(path, raw, "a route object with Cluster, SourceAddrs, DestinationAddrs, "
                    + "SourcePort and DestinationPort");
        }
        Object cluster = null;
        Object src = null;
        Object dst = null;
        Object srcPort = null;
        Object dstPort = null;
        String[] keys = new String[5];
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = String.valueOf(e.getKey());
            String k = key.toLowerCase(Locale.ROOT);
            if (!ROUTE_KEYS.contains(k)) {
                LOG.warn("{}.{}: unknown key, ignored (MOSN route keys are the Go field names, e.g. SourceAddrs; "
                        + "snake_case is not recognised)", path, key);
                continue;
            }
            switch (k) {
                case "cluster" -> { cluster = e.getValue(); keys[0] = key; }
                case "sourceaddrs" -> { src = e.getValue(); keys[1] = key; }
                case "destinationaddrs" -> { dst = e.getValue(); keys[2] = key; }
                case "sourceport" -> { srcPort = e.getValue(); keys[3] = key; }
                default -> { dstPort = e.getValue(); keys[4] = key; }
            }
        }
        if (!(cluster instanceof String name) || name.isEmpty()) {
            throw new FilterConfigException(path + "." + (keys[0] == null ? "Cluster" : keys[0]), cluster,
                    "the name of a cluster in cluster_manager.clusters " + clusters);
        }
        String c = requireCluster(path + "." + (keys[0] == null ? "Cluster" : keys[0]), name, clusters);
        String never = " (MOSN matches a route only when all four of SourceAddrs, DestinationAddrs, SourcePort and "
                + "DestinationPort match, so a route without it never matches)";
        List<CidrRange> srcRanges = cidrs(path + "." + (keys[1] == null ? "SourceAddrs" : keys[1]), src, never);
        List<CidrRange> dstRanges = cidrs(path + "." + (keys[2] == null ? "DestinationAddrs" : keys[2]), dst, never);
        PortRanges sp = ports(path + "." + (keys[3] == null ? "SourcePort" : keys[3]), srcPort, never);
        PortRanges dp = ports(path + "." + (keys[4] == null ? "DestinationPort" : keys[4]), dstPort, never);
        return new Route(new StreamRoute(name, srcRanges, dstRanges, sp, dp), c);
    }

    private static List<CidrRange> cidrs(String path, Object raw, String never) throws FilterConfigException {
        if (!(raw instanceof List<?> list) || list.isEmpty()) {
            throw new FilterConfigException(path, raw, "a non-empty list of {\"Address\": ip, \"Length\": prefix}"
                    + never);
        }
        List<CidrRange> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String p = path + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw new FilterConfigException(p, list.get(i), "{\"Address\": ip, \"Length\": prefix}");
            }
            Object address = null;
            Object length = null;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey()).toLowerCase(Locale.ROOT);
                if (k.equals("address")) {
                    address = e.getValue();
                } else if (k.equals("length")) {
                    length = e.getValue();
                }
            }
            out.add(CidrRange.of(p, address, length));
        }
        return List.copyOf(out);
    }

    private static PortRanges ports(String path, Object raw, String never) throws FilterConfigException {
        if (!(raw instanceof String s) || s.isBlank()) {
            throw new FilterConfigException(path, raw, "ports or ranges such as \"80,8000-8080\"" + never);
        }
        return PortRanges.parse(path, s);
    }

    private static String requireCluster(String path, String name, Set<String> clusters)
            throws FilterConfigException {
        if (!clusters.contains(name)) {
            throw new FilterConfigException(path, name, "the name of a cluster in cluster_manager.clusters "
                    + clusters);
        }
        return name;
    }
}
