package io.ferry.proxy.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The relay torture test: many connections at once through {@code tcp_proxy}, each with random stream sizes (0 B to
 * 6 MiB each way), random write sizes and pauses, slow, late and fast readers, and every way of ending (FIN after
 * writing, FIN after the peer's EOF, close without half-close, reset), against a TCP and a unix-socket upstream, on
 * both transports, both listener kinds, with and without tcpcopy capturing. {@link Torture} says what is checked; the
 * rules are FILTER-CONTRACT.md R5.1 to R5.5.
 *
 * <p>In {@code mvn -B verify} each of the eight setups runs for a few seconds. The long variant, for a run of
 * ten minutes or more (figures in {@code proxy-runtime/README.md}):
 * <pre>
 * mvn -B -pl proxy-runtime -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=RelayTortureIT \
 *     -Dferry.torture.seconds=75 [-Dferry.torture.seed=N] [-Dferry.torture.concurrency=48] \
 *     [-Dferry.torture.setups=epoll-tcp,nio-unix-tcpcopy] [-Dferry.torture.scenario=ID]
 * </pre>
 * A failure prints the seed and each failing scenario's plan; the same seed gives the same plans, and
 * {@code ferry.torture.scenario} runs one of them alone.
 */
class RelayTortureIT {

    private static final long SEED = Long.getLong("ferry.torture.seed", System.nanoTime());
    private static final double SECONDS = Double.parseDouble(System.getProperty("ferry.torture.seconds", "6"));
    private static final int CONCURRENCY = Integer.getInteger("ferry.torture.concurrency", 32);
    private static final long ONLY = Long.getLong("ferry.torture.scenario", 0);

    @TempDir
    Path dir;

    /** One proxy setup: transport, listener kind, capture. */
    record Setup(String transport, String listener, boolean tcpcopy) {
        String name() {
            return transport + "-" + listener + (tcpcopy ? "-tcpcopy" : "");
        }

        @Override
        public String toString() {
            return name();
        }
    }

    static Stream<Setup> setups() {
        List<Setup> all = new ArrayList<>();
        for (String transport : List.of("epoll", "nio")) {
            for (String listener : List.of("tcp", "unix")) {
                for (boolean tcpcopy : List.of(false, true)) {
                    all.add(new Setup(transport, listener, tcpcopy));
                }
            }
        }
        String only = System.getProperty("ferry.torture.setups", "");
        if (!only.isBlank()) {
            List<String> names = Arrays.asList(only.split(","));
            all.removeIf(s -> !names.contains(s.name()));
        }
        return all.stream();
    }

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("setups")
    void everyByteArrivesInOrderAndEveryEndOfStreamIsTrue(Setup setup) throws Exception {
        Assumptions.assumeTrue(!setup.transport().equals("epoll") || Epoll.isAvailable(),
                "native epoll does not load here");
        Torture torture = new Torture(SEED, setup.listener().equals("tcp"));
        long started = System.nanoTime();
        try {
            List<String> upstreams = torture.startUpstreams(dir);
            try (ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(config(setup, upstreams), "torture"),
                    ProxyFixture.registry(), ProxyOptions.defaults().withTransport(setup.transport()))) {
                if (setup.tcpcopy()) {
                    openWindow(proxy.adminAddress().orElseThrow());
                }
                SocketAddress listener = proxy.listeners().get("torture");
                torture.run(listener, CONCURRENCY, SECONDS, ONLY);
                Torture.Totals totals = torture.totals();
                System.out.printf("relay torture %s: seed %d, %.0f s: %s%n", setup.name(), SEED,
                        (System.nanoTime() - started) / 1e9, totals);
                if (!totals.failures.isEmpty()) {
                    fail("relay torture " + setup.name() + " with seed " + SEED + " (rerun with -Dferry.torture.seed="
                            + SEED + " -Dferry.torture.setups=" + setup.name() + "): " + totals.failures.size()
                            + " failures, the first ones:\n  "
                            + String.join("\n  ", totals.failures.subList(0, Math.min(10, totals.failures.size()))));
                }
                assertTrue(totals.scenarios.get() > 0, "no scenario ran");
                ProxyFixture.await("the proxy to hold no connection", Duration.ofSeconds(30), () -> {
                    JsonObject listeners = proxy.stats().getAsJsonObject("listeners");
                    return listeners.getAsJsonObject("torture").get("connections_active").getAsLong() == 0
                            && proxy.pendingWriteBytes() == 0 && clusterActive(proxy) == 0;
                });
                assertEquals(0, clusterActive(proxy), "upstream connections left open");
            }
        } finally {
            torture.close();
        }
    }

    private static long clusterActive(ProxyServer proxy) {
        return proxy.stats().getAsJsonObject("clusters").getAsJsonObject("upstreams").get("connections_active")
                .getAsLong();
    }

    private String config(Setup setup, List<String> upstreams) {
        String address = setup.listener().equals("tcp") ? "127.0.0.1:0"
                : dir.resolve("proxy.sock").toString().replace("\\", "\\\\");
        String tcpcopy = !setup.tcpcopy() ? "" : """
                {"type": "tcpcopy", "config": {
                  "strategy": {"switch": "ON", "interval": 3600, "duration": 10, "cpu_max_rate": 99.9,
                               "mem_max_rate": 99.9},
                  "dump": {"dir": "%s", "format": "ferry", "directions": "both"}}},
                """.formatted(dir.resolve("dump").toString().replace("\\", "\\\\"));
        return """
                {
                  "servers": [{
                    "default_log_level": "WARN",
                    "listeners": [{
                      "name": "torture", "address": "%s", "network": "%s", "bind_port": true,
                      "filter_chains": [{"filters": [
                        %s
                        {"type": "tcp_proxy", "config": {"cluster": "upstreams"}}
                      ]}]
                    }]
                  }],
                  "cluster_manager": {"clusters": [{"name": "upstreams", "lb_type": "LB_ROUNDROBIN",
                    "hosts": [{"address": "%s"}, {"address": "%s"}]}]},
                  "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}}
                }
                """.formatted(address, setup.listener(), tcpcopy, upstreams.get(0), upstreams.get(1));
    }

    private static void openWindow(InetSocketAddress admin) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + admin.getPort() + "/api/v1/tcpcopy/window?duration_s=3600"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonParser.parseString(r.body());
    }
}
