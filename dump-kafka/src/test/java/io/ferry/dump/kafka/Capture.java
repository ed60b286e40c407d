package io.ferry.dump.kafka;

import com.google.gson.Gson;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.tcpcopy.TcpCopyProvider;
import io.ferry.tcpcopy.fuse.Usage;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import io.ferry.testkit.embedded.EmbeddedFilterConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Ferry capture instance for the tests: a tcpcopy provider and factory (switch ON, format ferry, both directions,
 * a kafka sink) on the real chain engine with a manual clock, standing for one proxy of a fleet.
 */
final class Capture implements AutoCloseable {

    final String instanceId;
    final EmbeddedEnvironment env = new EmbeddedEnvironment();
    final TcpCopyProvider provider = new TcpCopyProvider(() -> new Usage(10, 10, "test", "test"));
    final NetworkFilterChainFactory factory;

    Capture(String instanceId, Path dir, Map<String, Object> sink) throws Exception {
        this.instanceId = instanceId;
        Map<String, Object> dump = new LinkedHashMap<>();
        dump.put("dir", dir.toString());
        dump.put("format", "ferry");
        dump.put("directions", "both");
        dump.put("max_bytes_per_second", 0);   // complete captures: the default budget would shed bulk traffic
        dump.put("sinks", List.of(sink));
        Map<String, Object> config = Map.of(
                "strategy", Map.of("switch", "ON", "interval", 30, "duration", 20, "cpu_max_rate", 99, "mem_max_rate", 99),
                "dump", dump);
        factory = provider.create(new EmbeddedFilterConfig("tcpcopy", EmbeddedFilterConfig.DEFAULT_PATH,
                new Gson().toJson(config), env));
        ((io.ferry.filter.api.FactoryInitializer) factory).init(io.ferry.testkit.embedded.EmbeddedListener.DEFAULT);
    }

    static Map<String, Object> kafkaSink(String bootstrap, String topic, String instanceId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "kafka");
        m.put("bootstrap_servers", bootstrap);
        m.put("topic", topic);
        m.put("instance_id", instanceId);
        m.put("linger_ms", 5);
        return m;
    }

    /** A connection through this instance's chain (tcpcopy only; what it passes on is readable inbound). */
    EmbeddedFilterChain connection(long id) throws Exception {
        return EmbeddedFilterChain.builder().environment(env).factory("tcpcopy", factory).connectionId(id)
                .remoteAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000 + (int) id))
                .localAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 2045)).build();
    }

    /** Moves the manual clock to the next scheduled window (interval 30 s, duration 20 s). */
    void openWindow() {
        env.scheduler().advanceTimeBy(30, TimeUnit.SECONDS);
    }

    /** The stats the runtime would publish, flattened: namespace.counter. */
    Map<String, Long> stats() {
        Map<String, Long> out = new LinkedHashMap<>();
        env.stats().snapshot().forEach((ns, counters) ->
                counters.forEach((k, v) -> out.put(ns + "." + k, v.longValue())));
        return out;
    }

    /** A sink counter, e.g. {@code kafka.sent}. */
    long sinkStat(String counter) {
        return stats().entrySet().stream().filter(e -> e.getKey().contains(".sinks.") && e.getKey().endsWith("." + counter))
                .mapToLong(Map.Entry::getValue).sum();
    }

    @Override
    public void close() throws Exception {
        if (factory instanceof AutoCloseable c) {
            c.close();
        }
    }
}
