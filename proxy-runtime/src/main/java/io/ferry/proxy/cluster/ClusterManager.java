package io.ferry.proxy.cluster;

import com.google.gson.JsonObject;
import io.ferry.proxy.config.ClusterConfig;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.HostConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The clusters of {@code cluster_manager.clusters[]}, by name. MOSN: {@code types.ClusterManager}. Built once at
 * startup from the validated config; immutable and thread-safe afterwards. {@code tcp_proxy} finds it through
 * {@link io.ferry.filter.api.spi.FilterEnvironment#service(Class)}.
 */
public final class ClusterManager {

    private final Map<String, Cluster> clusters;
    private final ChannelGroup connections;

    private ClusterManager(Map<String, Cluster> clusters, ChannelGroup connections) {
        this.clusters = Collections.unmodifiableMap(clusters);
        this.connections = connections;
    }

    /**
     * Builds the clusters. Host addresses are parsed here: {@code ip:port}, {@code name:port} (resolved now) or
     * {@code unix:/path}.
     *
     * @throws ConfigException naming the JSON path of a host address that cannot be used, or of a duplicate cluster
     */
    public static ClusterManager create(List<ClusterConfig> configs, UpstreamChannels channels,
                                        WriteBufferWaterMark waterMark, RecvByteBufAllocator reads)
            throws ConfigException {
        Map<String, Cluster> clusters = new LinkedHashMap<>();
        ChannelGroup connections = new DefaultChannelGroup("ferry-upstream", GlobalEventExecutor.INSTANCE);
        for (ClusterConfig c : configs) {
            if (clusters.containsKey(c.name())) {
                throw ConfigException.at(c.path() + ".name", c.name(), "a cluster name used once");
            }
            List<Host> hosts = new ArrayList<>(c.hosts().size());
            for (int i = 0; i < c.hosts().size(); i++) {
                hosts.add(parseHost(c, i));
            }
            clusters.put(c.name(), new Cluster(c, hosts, channels, waterMark, reads, connections));
        }
        return new ClusterManager(clusters, connections);
    }

    private static Host parseHost(ClusterConfig cluster, int index) throws ConfigException {
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
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw ConfigException.at(path, a, expected + " with a port from 1 to 65535");
        }
        if (port < 1 || port > 65535) {
            throw ConfigException.at(path, a, expected + " with a port from 1 to 65535");
        }
        InetSocketAddress resolved = new InetSocketAddress(hostPart, port);
        if (resolved.isUnresolved()) {
            throw ConfigException.at(path, a, "a host name that resolves (it does not resolve now)");
        }
        return new Host(a, cluster.name(), weight, resolved, null);
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

    /** {@code {cluster: {counters…, "hosts": {address: {counters…}}}}}. */
    public JsonObject statsJson() {
        JsonObject all = new JsonObject();
        clusters.forEach((name, cluster) -> {
            JsonObject o = cluster.stats().toJson();
            JsonObject hosts = new JsonObject();
            for (Host h : cluster.hosts()) {
                hosts.add(h.address(), h.stats().toJson());
            }
            o.add("hosts", hosts);
            all.add(name, o);
        });
        return all;
    }
}
