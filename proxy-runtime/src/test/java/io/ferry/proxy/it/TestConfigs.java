package io.ferry.proxy.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.proxy.config.AdminConfig;
import io.ferry.proxy.config.ClusterConfig;
import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.config.FilterEntry;
import io.ferry.proxy.config.HostConfig;
import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.config.ServerConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Builds {@link FerryConfig}s for the tests, as the loader would from a MOSN file. */
final class TestConfigs {

    private final List<ListenerConfig> listeners = new ArrayList<>();
    private final List<ClusterConfig> clusters = new ArrayList<>();
    private Duration graceful = Duration.ofSeconds(30);
    private AdminConfig admin;

    static TestConfigs create() {
        return new TestConfigs();
    }

    static FilterEntry filter(int listener, int index, String type, String configJson) {
        JsonObject cfg = JsonParser.parseString(configJson).getAsJsonObject();
        return new FilterEntry(type, cfg, "servers[0].listeners[" + listener + "].filter_chains[0].filters[" + index
                + "]");
    }

    /** A TCP listener on 127.0.0.1:{port} whose only filter is tcp_proxy to {@code cluster}. */
    TestConfigs tcpProxyListener(String name, int port, Duration idle, String cluster) {
        int i = listeners.size();
        return listener(new ListenerConfig(i, name, "tcp", "127.0.0.1:" + port, "127.0.0.1", port, true, idle,
                List.of(filter(i, 0, "tcp_proxy", "{\"cluster\":\"" + cluster + "\"}"))));
    }

    TestConfigs listener(ListenerConfig l) {
        listeners.add(l);
        return this;
    }

    int nextListenerIndex() {
        return listeners.size();
    }

    TestConfigs cluster(String name, LbType lb, String... hosts) {
        return cluster(name, lb, 0, Arrays.stream(hosts).map(h -> new HostConfig(h, 1)).toList());
    }

    TestConfigs cluster(String name, LbType lb, int maxConnections, List<HostConfig> hosts) {
        clusters.add(new ClusterConfig(clusters.size(), name, "SIMPLE", lb, hosts, Duration.ofSeconds(5),
                Duration.ZERO, maxConnections));
        return this;
    }

    /** A cluster as the loader would build it (any connect timeout, idle timeout, circuit breaker). */
    TestConfigs cluster(ClusterConfig c) {
        clusters.add(c);
        return this;
    }

    /** The index the next cluster gets. */
    int nextClusterIndex() {
        return clusters.size();
    }

    TestConfigs gracefulTimeout(Duration d) {
        graceful = d;
        return this;
    }

    /** An admin API on 127.0.0.1, ephemeral port. */
    TestConfigs admin() {
        admin = new AdminConfig("127.0.0.1", 0);
        return this;
    }

    FerryConfig build() {
        return new FerryConfig(new ServerConfig("", null, "INFO", graceful, listeners), clusters,
                Optional.ofNullable(admin), new JsonObject(), List.of());
    }
}
