package io.ferry.proxy.metrics;

import io.ferry.proxy.it.TestServers;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static io.ferry.proxy.metrics.PromParser.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A MOSN config with two prometheus sinks, traffic through the real proxy, and the endpoints scraped and parsed with
 * the Prometheus project's own parser: the series carry MOSN's names and labels and the values of the traffic sent,
 * the histograms have their buckets, the filter's typed metrics appear, {@code disable_collect_*} drop the JVM and
 * process series, and OpenMetrics is served on request.
 */
class PrometheusEndToEndIT {

    private static final int CONNECTIONS = 3;
    private static final int BYTES = 5000;

    private static String config(int echoPort, int closedPort) {
        return """
                {"servers": [{"default_log_level": "WARN", "listeners": [
                   {"name": "ingress", "address": "127.0.0.1:0", "bind_port": true, "filter_chains": [{"filters": [
                      {"type": "test.metered", "config": {}},
                      {"type": "tcp_proxy", "config": {"cluster": "echo"}}]}]},
                   {"name": "broken", "address": "127.0.0.1:0", "bind_port": true, "filter_chains": [{"filters": [
                      {"type": "tcp_proxy", "config": {"cluster": "down"}}]}]}]}],
                 "cluster_manager": {"clusters": [
                   {"name": "echo", "hosts": [{"address": "127.0.0.1:%d"}]},
                   {"name": "down", "hosts": [{"address": "127.0.0.1:%d"}]}]},
                 "metrics": {"sinks": [
                   {"type": "prometheus", "config": {"address": "127.0.0.1", "port": 0, "endpoint": "/stats/prometheus",
                      "percentiles": [50, 99]}},
                   {"type": "prometheus", "config": {"address": "127.0.0.1", "port": 0,
                      "disable_collect_process": true, "disable_collect_go": true}}]}}
                """.formatted(echoPort, closedPort);
    }

    @Test
    void scrapedSeriesMatchTheTrafficSent() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            PromParser.assumeAvailable();
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort();
            }
            try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
                 ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(config(echo.port(), closed),
                         "prometheus.json"), FilterRegistry.builder().build(), ProxyOptions.defaults())) {
                String echoHost = "127.0.0.1:" + echo.port();
                Random random = new Random(7);
                for (int i = 0; i < CONNECTIONS; i++) {
                    try (Socket c = new Socket()) {
                        c.connect(proxy.listeners().get("ingress"), 5_000);
                        c.setSoTimeout(10_000);
                        byte[] sent = new byte[BYTES];
                        random.nextBytes(sent);
                        OutputStream out = c.getOutputStream();
                        out.write(sent);
                        out.flush();
                        byte[] back = new byte[BYTES];
                        new DataInputStream(c.getInputStream()).readFully(back);
                        assertArrayEquals(sent, back);
                    }
                }
                try (Socket c = new Socket()) {     // the "down" cluster: one failed connect attempt
                    c.connect(proxy.listeners().get("broken"), 5_000);
                    c.setSoTimeout(10_000);
                    assertEquals(-1, c.getInputStream().read(), "closed without a byte");
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < deadline && !(proxy.stats().getAsJsonObject("listeners")
                        .getAsJsonObject("ingress").get("connections_active").getAsLong() == 0
                        && proxy.stats().getAsJsonObject("clusters").getAsJsonObject("echo")
                        .get("connections_active").getAsLong() == 0
                        && proxy.stats().getAsJsonObject("clusters").getAsJsonObject("down")
                        .get("connect_failures").getAsLong() == 1)) {
                    Thread.sleep(10);
                }

                List<InetSocketAddress> sinks = proxy.prometheusAddresses();
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sinks.get(0).getPort() + "/stats/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type")
                        .orElse(""));
                List<PromParser.Sample> s = PromParser.parse(r.body(), "text");

                Map<String, String> ingress = Map.of("listener", "ingress");
                Map<String, String> echoCluster = Map.of("cluster", "echo");
                Map<String, String> echoHostLabels = Map.of("cluster", "echo", "host", echoHost);
                double n = CONNECTIONS;
                double bytes = (double) CONNECTIONS * BYTES;
                assertEquals(n, value(s, "downstream_connection_total", ingress).orElseThrow());
                assertEquals(n, value(s, "downstream_connection_destroy_total", ingress).orElseThrow());
                assertEquals(0.0, value(s, "downstream_connection_active", ingress).orElseThrow());
                assertEquals(bytes, value(s, "downstream_bytes_read_total", ingress).orElseThrow());
                assertEquals(bytes, value(s, "downstream_bytes_write_total", ingress).orElseThrow());
                assertEquals(n, value(s, "upstream_connection_total", echoCluster).orElseThrow());
                assertEquals(n, value(s, "upstream_connection_total", echoHostLabels).orElseThrow());
                assertEquals(bytes, value(s, "upstream_connection_bytes_write_total", echoCluster).orElseThrow());
                assertEquals(bytes, value(s, "upstream_connection_bytes_read_total", echoHostLabels).orElseThrow());
                assertEquals(1.0, value(s, "upstream_connection_con_fail_total", Map.of("cluster", "down")).orElseThrow());
                assertEquals(0.0, value(s, "upstream_connection_con_fail_total", echoCluster).orElseThrow());
                assertEquals(1.0, value(s, "upstream_connection_no_upstream_total", Map.of("cluster", "down"))
                        .orElseThrow());

                // histograms: buckets, count and sum for connect time and connection duration
                for (String h : List.of("upstream_connect_time_seconds", "upstream_connection_duration_seconds")) {
                    assertEquals(n, value(s, h + "_count", echoHostLabels).orElseThrow(), h);
                    assertEquals(n, value(s, h + "_bucket", Map.of("cluster", "echo", "le", "+Inf")).orElseThrow(), h);
                    assertTrue(value(s, h + "_sum", echoCluster).orElseThrow() > 0, h);
                    assertTrue(s.stream().filter(x -> x.name().equals(h + "_bucket") && x.labels().size() == 2
                            && x.labels().get("cluster").equals("echo")).count() > 5, h + " has its buckets");
                    assertEquals("histogram", family(s, h).type());
                }
                assertEquals(n, value(s, "downstream_connection_duration_seconds_count", ingress).orElseThrow());
                double min = value(s, "upstream_connect_time_seconds_min", echoCluster).orElseThrow();
                double max = value(s, "upstream_connect_time_seconds_max", echoCluster).orElseThrow();
                double p99 = value(s, "upstream_connect_time_seconds_percentile",
                        Map.of("cluster", "echo", "percentile", "P99")).orElseThrow();
                assertTrue(min > 0 && min <= p99 && p99 <= max, min + " <= " + p99 + " <= " + max);

                // the filter's typed metrics
                assertEquals(bytes, value(s, "test_metered_bytes_total", ingress).orElseThrow());
                assertEquals("counter", family(s, "test_metered_bytes_total").type());
                assertEquals(0.0, value(s, "test_metered_open", ingress).orElseThrow());
                assertEquals("gauge", family(s, "test_metered_open").type());
                double reads = value(s, "test_metered_read_bytes_count", ingress).orElseThrow();
                assertTrue(reads >= n, "at least one read per connection: " + reads);
                assertEquals(bytes, value(s, "test_metered_read_bytes_sum", ingress).orElseThrow());

                Set<String> families = s.stream().map(PromParser.Sample::family).collect(Collectors.toSet());
                assertTrue(families.stream().anyMatch(f -> f.startsWith("jvm_memory")), "JVM collectors: " + families);
                assertTrue(families.contains("process_cpu_seconds"), "process collector: " + families);

                // the second sink: /metrics by default, no JVM or process series
                HttpResponse<String> bare = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sinks.get(1).getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
                List<PromParser.Sample> b = PromParser.parse(bare.body(), "text");
                assertEquals(n, value(b, "downstream_connection_total", ingress).orElseThrow());
                assertFalse(b.stream().anyMatch(x -> x.name().startsWith("jvm_") || x.name().startsWith("process_")),
                        "disable_collect_go and disable_collect_process");
                assertFalse(b.stream().anyMatch(x -> x.name().endsWith("_percentile")), "no percentiles configured");

                // OpenMetrics on request, parsed by the strict OpenMetrics parser
                HttpResponse<String> om = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + sinks.get(0).getPort() + "/stats/prometheus"))
                        .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertTrue(om.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
                List<PromParser.Sample> o = PromParser.parse(om.body(), "openmetrics");
                assertEquals(n, value(o, "downstream_connection_total", ingress).orElseThrow());
                assertEquals(n, value(o, "upstream_connect_time_seconds_count", echoHostLabels).orElseThrow());

                HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sinks.get(0).getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(404, other.statusCode(), "only the configured endpoint is served");

                // /api/v1/stats lists the typed metrics as MOSN's console sink does
                com.google.gson.JsonObject typed = proxy.stats().getAsJsonObject("filters")
                        .getAsJsonObject("listener.ingress");
                assertEquals(bytes, typed.get("test_metered_bytes_total").getAsDouble(), typed.toString());
                assertEquals(bytes, typed.get("test_metered_read_bytes.sum").getAsDouble(), typed.toString());
                assertTrue(typed.has("test_metered_read_bytes.99.00%"), typed.toString());
            }
        });
    }

    /**
     * A scrape that is stuck (here in a filter's callback gauge) holds nothing the data path needs: connections are
     * accepted, relayed and counted meanwhile, and the scrape, once released, reports them.
     */
    @Test
    void aStuckScrapeDoesNotStallTheDataPath() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
                 ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(config(echo.port(), 1),
                         "prometheus.json"), FilterRegistry.builder().build(), ProxyOptions.defaults())) {
                java.util.concurrent.CountDownLatch inScrape = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
                proxy.filterMetrics().gauge("test_stuck", "blocks the first scrape", Map.of(), () -> {
                    if (!first.getAndSet(false)) {
                        return 1;
                    }
                    inScrape.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return 1;
                });
                int port = proxy.prometheusAddresses().get(1).getPort();
                java.util.concurrent.CompletableFuture<String> scrape = java.util.concurrent.CompletableFuture
                        .supplyAsync(() -> {
                            try {
                                return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + port + "/metrics")).build(),
                                        HttpResponse.BodyHandlers.ofString()).body();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
                inScrape.await();
                for (int i = 0; i < 5; i++) {
                    try (Socket c = new Socket()) {
                        c.connect(proxy.listeners().get("ingress"), 5_000);
                        c.setSoTimeout(10_000);
                        c.getOutputStream().write(new byte[100]);
                        new DataInputStream(c.getInputStream()).readFully(new byte[100]);
                    }
                }
                assertFalse(scrape.isDone(), "the scrape is still held");
                assertEquals(5, proxy.stats().getAsJsonObject("listeners").getAsJsonObject("ingress")
                        .get("connections_total").getAsLong());
                release.countDown();
                assertTrue(scrape.join().contains("test_stuck 1.0"), "the held scrape completes");
                String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(text.contains("downstream_connection_total{listener=\"ingress\"} 5.0"), text);
            }
        });
    }

    /**
     * MOSN's {@code stats_matcher}: {@code exclusion_labels} drops the per-host series and keeps the per-cluster
     * ones; {@code exclusion_keys} drops a key for every type and nothing else; {@code reject_all} leaves only the
     * JVM and process collectors.
     */
    @Test
    void statsMatcherLeavesOutWhatMosnWould() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO)) {
                String base = """
                        {"servers": [{"default_log_level": "WARN", "listeners": [
                           {"name": "ingress", "address": "127.0.0.1:0", "bind_port": true, "filter_chains": [{"filters": [
                              {"type": "tcp_proxy", "config": {"cluster": "echo"}}]}]}]}],
                         "cluster_manager": {"clusters": [{"name": "echo", "hosts": [{"address": "127.0.0.1:%d"}]}]},
                         "metrics": {"sinks": [{"type": "prometheus", "config": {"address": "127.0.0.1", "port": 0}}],
                            "stats_matcher": %s}}
                        """;
                String some = scrapeAfterOneConnection(base.formatted(echo.port(), "{\"exclusion_labels\": [\"host\"],"
                        + " \"exclusion_keys\": [\"connection_destroy\", \"bytes_read_total\"]}"));
                assertTrue(some.contains("upstream_connection_total{cluster=\"echo\"} 1.0"), some);
                assertFalse(some.contains("host=\""), "no per-host series:\n" + some);
                assertTrue(some.contains("downstream_connection_total{listener=\"ingress\"} 1.0"), some);
                assertFalse(some.contains("downstream_connection_destroy"), some);
                assertFalse(some.contains("downstream_bytes_read_total"), some);
                assertTrue(some.contains("downstream_bytes_write_total{listener=\"ingress\"} 100.0"), some);
                assertTrue(some.contains("upstream_connection_close_total{cluster=\"echo\"}"), some);
                assertTrue(some.contains("upstream_connection_bytes_read_total{cluster=\"echo\"} 100.0"), some);

                String none = scrapeAfterOneConnection(base.formatted(echo.port(), "{\"reject_all\": true}"));
                assertFalse(none.contains("downstream_") || none.contains("upstream_"), none);
                assertTrue(none.contains("jvm_memory_used_bytes"), "the JVM collectors stay:\n" + none);
            }
        });
    }

    /** Starts the proxy on {@code json}, relays one connection of 100 bytes, scrapes the first sink. */
    private static String scrapeAfterOneConnection(String json) throws Exception {
        try (ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(json, "matcher.json"),
                FilterRegistry.builder().build(), ProxyOptions.defaults())) {
            try (Socket c = new Socket()) {
                c.connect(proxy.listeners().get("ingress"), 5_000);
                c.setSoTimeout(10_000);
                c.getOutputStream().write(new byte[100]);
                new DataInputStream(c.getInputStream()).readFully(new byte[100]);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && proxy.stats().getAsJsonObject("listeners")
                    .getAsJsonObject("ingress").get("connections_active").getAsLong() != 0) {
                Thread.sleep(10);
            }
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + proxy.prometheusAddresses().get(0).getPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static PromParser.Sample family(List<PromParser.Sample> samples, String name) {
        return samples.stream().filter(x -> x.name().equals(name) || x.name().startsWith(name + "_")
                        || x.family().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no family " + name));
    }
}
