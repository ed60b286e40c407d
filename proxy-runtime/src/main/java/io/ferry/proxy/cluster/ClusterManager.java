package io.ferry.proxy.cluster;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.ferry.proxy.config.ClusterConfig;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.HostConfig;
import io.ferry.proxy.config.Problems;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The clusters of {@code cluster_manager}, by name. MOSN: {@code types.ClusterManager}. Built once at startup from the
 * validated config; the set of clusters never changes afterwards, the hosts of a STRICT_DNS cluster do.
 * Filters reach it through the public API only: the cluster names through
 * {@code FilterEnvironment.clusterNames()}, connections through {@code ReadFilterCallbacks.upstreams()} (the runtime's
 * {@code NettyUpstreamConnection}).
 *
 * <h2>STRICT_DNS</h2>
 * Every {@code name:port} host of a STRICT_DNS cluster is resolved at startup and again every
 * {@code dns_refresh_rate} (default 5 s), on one daemon thread ({@code ferry-dns}), with the {@link HostResolver}
 * given (the system's by default; note that the JVM caches answers for {@code networkaddress.cache.ttl}, 30 s unless
 * set). Each address becomes a host ({@code ip:port}, MOSN does the same); {@code dns_lookup_family} keeps only IPv4
 * or IPv6 addresses. When a name does not resolve, its previous addresses are kept. A changed answer replaces the
 * host set: new addresses join the rotation (and the health check), gone ones leave it, and connections already open
 * to them are not touched.
 *
 * <h2>Health checks</h2>
 * A cluster with a {@code health_check} gets a {@link HealthChecker}; its state is in {@link #statsJson()} and
 * {@link #dumpHosts(JsonObject)}.
 *
 * <p>Thread-safe.
 */
public final class ClusterManager implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterManager.class);

    private final Map<String, Cluster> clusters;
    private final ChannelGroup connections;
    private final List<AutoCloseable> resources = new ArrayList<>();

    private ClusterManager(Map<String, Cluster> clusters, ChannelGroup connections) {
        this.clusters = Collections.unmodifiableMap(clusters);
        this.connections = connections;
    }

    /** Builds the clusters without health checks or DNS refresh (for tests of the balancers and addresses). */
    public static ClusterManager create(List<ClusterConfig> configs, UpstreamChannels channels,
                                        WriteBufferWaterMark waterMark, RecvByteBufAllocator reads)
            throws ConfigException {
        return create(configs, channels, waterMark, reads, null, HostResolver.SYSTEM);
    }

    /**
     * Builds the clusters and starts their health checks (on {@code group}'s event loops) and DNS refreshes. Host
     * addresses are parsed here: {@code ip:port}, {@code name:port} (resolved now) or {@code unix:/path}.
     *
     * @param group    the runtime's event loops, for health checks; null starts none
     * @param resolver resolves STRICT_DNS names (and the names of other clusters, once)
     * @throws ConfigException naming the JSON path of every host address that cannot be used and every
     *                         {@code mark} that cannot be set
     */
    public static ClusterManager create(List<ClusterConfig> configs, UpstreamChannels channels,
                                        WriteBufferWaterMark waterMark, RecvByteBufAllocator reads,
                                        EventLoopGroup group, HostResolver resolver) throws ConfigException {
        Problems problems = new Problems();
        Map<String, Cluster> clusters = new LinkedHashMap<>();
        ChannelGroup connections = new DefaultChannelGroup("ferry-upstream", GlobalEventExecutor.INSTANCE);
        List<DnsTarget> dns = new ArrayList<>();
        for (ClusterConfig c : configs) {
            if (clusters.containsKey(c.name())) {
                problems.add(ConfigException.at(c.path() + ".name", c.name(), "a cluster name used once"));
                continue;
            }
            boolean strictDns = "STRICT_DNS".equals(c.type());
            List<Host> hosts = new ArrayList<>(c.hosts().size());
            List<DnsTarget> targets = new ArrayList<>();
            for (int i = 0; i < c.hosts().size(); i++) {
                try {
                    if (strictDns && isName(c.hosts().get(i).address())) {
                        DnsTarget t = dnsTarget(c, i);
                        t.resolve(resolver, true);
                        targets.add(t);
                    } else {
                        hosts.add(parseHost(c, i, resolver));
                    }
                } catch (ConfigException e) {
                    problems.add(e);
                }
            }
            if (c.mark() != 0) {
                String why = channels.markUnsupported((int) c.mark());
                if (why != null) {
                    problems.add(ConfigException.at(c.path() + ".mark", c.mark(), "0 (no mark), or run where SO_MARK"
                            + " can be set: " + why));
                }
            }
            Cluster cluster = new Cluster(c, DnsTarget.merge(hosts, targets, List.of()), channels, waterMark, reads,
                    connections);
            for (DnsTarget t : targets) {
                t.cluster = cluster;
                t.fixed = hosts;
                t.all = targets;
            }
            dns.addAll(targets);
            clusters.put(c.name(), cluster);
        }
        problems.throwIfAny(null);
        ClusterManager manager = new ClusterManager(clusters, connections);
        if (group != null) {
            ExecutorService eventLog = null;
            for (Cluster cluster : clusters.values()) {
                if (cluster.config().healthCheck() == null) {
                    continue;
                }
                if (eventLog == null && !cluster.config().healthCheck().eventLogPath().isEmpty()) {
                    eventLog = Executors.newSingleThreadExecutor(daemon("ferry-health-check-log"));
                    ExecutorService e = eventLog;
                    manager.resources.add(e::shutdown);
                }
                HealthChecker hc = new HealthChecker(cluster.name(), cluster.config().healthCheck(), group,
                        cluster.tcpTemplate(), cluster.unixTemplate(), channels,
                        cluster.config().healthCheck().eventLogPath().isEmpty() ? null : eventLog);
                cluster.healthChecker(hc);
                manager.resources.add(hc);
            }
        }
        if (!dns.isEmpty()) {
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("ferry-dns"));
            manager.resources.add(timer::shutdownNow);
            for (DnsTarget t : dns) {
                long every = t.cluster.config().dnsRefreshRate().toNanos();
                timer.scheduleWithFixedDelay(() -> t.refresh(resolver), every, every, TimeUnit.NANOSECONDS);
            }
        }
        return manager;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** True for {@code name:port} (not an IP literal, not unix). */
    private static boolean isName(String address) {
        if (address.startsWith("unix:")) {
            return false;
        }
        int colon = address.lastIndexOf(':');
        String host = colon < 0 ? address : address.substring(0, colon);
        if (host.startsWith("[")) {
            return false;
        }
        return !host.isEmpty() && !io.netty.util.NetUtil.isValidIpV4Address(host)
                && !io.netty.util.NetUtil.isValidIpV6Address(host);
    }

    private static DnsTarget dnsTarget(ClusterConfig cluster, int index) throws ConfigException {
        HostConfig h = cluster.hosts().get(index);
        String path = cluster.path() + ".hosts[" + index + "].address";
        String a = h.address();
        int colon = a.lastIndexOf(':');
        int port = colon < 0 ? -1 : parsePort(a.substring(colon + 1));
        if (colon <= 0 || port < 1) {
            throw ConfigException.at(path, a, "\"name:port\" with a port from 1 to 65535");
        }
        return new DnsTarget(cluster, a.substring(0, colon), port, Math.max(1, Math.min(128, h.weight())), path);
    }

    private static int parsePort(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Host parseHost(ClusterConfig cluster, int index, HostResolver resolver) throws ConfigException {
        HostConfig h = cluster.hosts().get(index);
        String path = cluster.path() + ".hosts[" + index + "].address";
        String expected = "\"ip:port\", \"name:port\" or \"unix:/path\"";
        String a = h.address();
        int weight = Math.max(1, Math.min(128, h.weight()));
        if (a == null || a.isBlank()) {
            throw ConfigException.at(path, a, expected);
        }
        if (a.startsWith("unix:")) {
            String socketPath = a.substring("unix:".length());
            if (socketPath.isEmpty()) {
                throw ConfigException.at(path, a, expected);
            }
            return new Host(a, cluster.name(), weight, null, socketPath);
        }
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1) {
            throw ConfigException.at(path, a, expected);
        }
        String hostPart = a.substring(0, colon);
        if (hostPart.startsWith("[") && hostPart.endsWith("]")) {
            hostPart = hostPart.substring(1, hostPart.length() - 1);
        }
        int port = parsePort(a.substring(colon + 1));
        if (port < 1 || port > 65535) {
            throw ConfigException.at(path, a, expected + " with a port from 1 to 65535");
        }
        InetAddress ip;
        try {
            ip = io.netty.util.NetUtil.isValidIpV4Address(hostPart) || io.netty.util.NetUtil.isValidIpV6Address(hostPart)
                    ? InetAddress.getByName(hostPart) : resolver.resolve(hostPart)[0];
        } catch (UnknownHostException | RuntimeException e) {
            throw ConfigException.at(path, a, "a host name that resolves (it does not resolve now)");
        }
        return new Host(a, cluster.name(), weight, new InetSocketAddress(ip, port), null);
    }

    /** The open upstream channels of all clusters. */
    public ChannelGroup connections() {
        return connections;
    }

    /** The cluster named {@code name}. */
    public Optional<Cluster> cluster(String name) {
        return Optional.ofNullable(clusters.get(name));
    }

    /** All clusters, in config order. */
    public Map<String, Cluster> clusters() {
        return clusters;
    }

    /**
     * {@code {cluster: {counters…, "hosts": {address: {counters…, "healthy": …}}, "health_check": {…}}}}; the hosts
     * are the current ones (a STRICT_DNS cluster's resolved addresses).
     */
    public JsonObject statsJson() {
        JsonObject all = new JsonObject();
        clusters.forEach((name, cluster) -> all.add(name, cluster.statsJson()));
        return all;
    }

    /**
     * Adds the run-time state to a {@code config_dump}: in every cluster of {@code cluster_manager.clusters}, the
     * member {@code "runtime_hosts"} lists the hosts now (address, the {@code hostname} a DNS host was resolved
     * from, weight, {@code healthy}), as MOSN dumps its clusters from the cluster manager. Returns {@code dump}.
     */
    public JsonObject dumpHosts(JsonObject dump) {
        for (Map.Entry<String, JsonElement> top : dump.entrySet()) {
            if (!top.getKey().equalsIgnoreCase("cluster_manager") || !top.getValue().isJsonObject()) {
                continue;
            }
            for (Map.Entry<String, JsonElement> e : top.getValue().getAsJsonObject().entrySet()) {
                if (!e.getKey().equalsIgnoreCase("clusters") || !e.getValue().isJsonArray()) {
                    continue;
                }
                for (JsonElement c : e.getValue().getAsJsonArray()) {
                    if (!c.isJsonObject()) {
                        continue;
                    }
                    String name = null;
                    for (Map.Entry<String, JsonElement> m : c.getAsJsonObject().entrySet()) {
                        if (m.getKey().equalsIgnoreCase("name") && m.getValue().isJsonPrimitive()) {
                            name = m.getValue().getAsString();
                        }
                    }
                    Cluster cluster = name == null ? null : clusters.get(name);
                    if (cluster != null) {
                        c.getAsJsonObject().add("runtime_hosts", cluster.hostsJson());
                        if (cluster.healthChecker() != null) {
                            c.getAsJsonObject().add("runtime_health_check", cluster.healthChecker().statsJson());
                        }
                    }
                }
            }
        }
        return dump;
    }

    /** Stops health checks and DNS refreshes. Connections are closed by the runtime. */
    @Override
    public void close() {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.debug("closing {} failed", r, e);
            }
        }
    }

    /** One {@code name:port} host of a STRICT_DNS cluster and the hosts its name resolves to now. */
    private static final class DnsTarget {
        final ClusterConfig config;
        final String name;
        final int port;
        final int weight;
        final String path;
        volatile List<Host> hosts = List.of();
        Cluster cluster;
        List<Host> fixed;
        List<DnsTarget> all;

        DnsTarget(ClusterConfig config, String name, int port, int weight, String path) {
            this.config = config;
            this.name = name;
            this.port = port;
            this.weight = weight;
            this.path = path;
        }

        /** Resolves the name; keeps the previous hosts when it fails. Returns true when the hosts changed. */
        boolean resolve(HostResolver resolver, boolean startup) {
            InetAddress[] addresses;
            try {
                addresses = resolver.resolve(name);
            } catch (UnknownHostException | RuntimeException e) {
                if (startup) {
                    LOG.warn("[{}] {}: \"{}\" does not resolve now; trying again every {} ms", config.name(), path,
                            name, config.dnsRefreshRate().toMillis());
                } else {
                    LOG.debug("[{}] {} does not resolve ({}); keeping {}", config.name(), name, e.toString(), hosts);
                }
                return false;
            }
            Map<String, Host> old = new HashMap<>();
            for (Host h : hosts) {
                old.put(h.address(), h);
            }
            List<Host> now = new ArrayList<>();
            String family = config.dnsLookupFamily();
            for (InetAddress a : addresses) {
                if ("V4_ONLY".equals(family) && !(a instanceof Inet4Address)
                        || "V6_ONLY".equals(family) && !(a instanceof Inet6Address)) {
                    continue;
                }
                String ip = a.getHostAddress();
                String address = (a instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + port;
                if (now.stream().anyMatch(h -> h.address().equals(address))) {
                    continue;
                }
                Host h = old.get(address);
                now.add(h != null ? h : new Host(address, config.name(), weight,
                        new InetSocketAddress(a, port), null,
                        name + ":" + port));
            }
            now.sort(Comparator.comparing(Host::address));
            boolean changed = !now.equals(hosts);
            hosts = List.copyOf(now);
            return changed;
        }

        void refresh(HostResolver resolver) {
            try {
                if (resolve(resolver, false)) {
                    List<Host> merged = merge(fixed, all, List.of());
                    LOG.info("[{}] DNS: {} now resolves to {}; hosts {}", config.name(), name, hosts,
                            merged.stream().map(Host::address).toList());
                    cluster.updateHosts(merged);
                }
            } catch (RuntimeException e) {
                LOG.warn("[{}] DNS refresh of {} failed", config.name(), name, e);
            }
        }

        /** The fixed hosts, then every target's hosts, in address order (as MOSN sorts them). */
        static List<Host> merge(List<Host> fixed, List<DnsTarget> targets, List<Host> extra) {
            List<Host> all = new ArrayList<>(fixed);
            List<Host> resolved = new ArrayList<>();
            for (DnsTarget t : targets) {
                resolved.addAll(t.hosts);
            }
            resolved.sort(Comparator.comparing(Host::address));
            all.addAll(resolved);
            all.addAll(extra);
            return all;
        }
    }
}
