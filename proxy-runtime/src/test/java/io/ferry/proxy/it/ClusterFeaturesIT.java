package io.ferry.proxy.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.proxy.cluster.HostResolver;
import io.ferry.proxy.config.AdminConfig;
import io.ferry.proxy.config.ClusterConfig;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.config.HealthCheckConfig;
import io.ferry.proxy.config.HostConfig;
import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.config.ServerConfig;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.IntegerUnixChannelOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static io.ferry.proxy.it.ProxyFixture.await;
import static io.ferry.proxy.it.ProxyFixture.registry;
import static io.ferry.proxy.it.ProxyFixture.tcpAddress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Health checks, STRICT_DNS refresh, upstream idle_timeout and mark, over real sockets on loopback. */
class ClusterFeaturesIT {

    /** An upstream that greets with its name, then echoes; it can stop listening and start again on its port. */
    static final class Named implements AutoCloseable {
        final String name;
        final InetSocketAddress address;
        private volatile ServerSocket ss;
        private final List<Socket> open = new CopyOnWriteArrayList<>();

        Named(String name, InetSocketAddress bind) throws IOException {
            this.name = name;
            start(bind);
            this.address = (InetSocketAddress) ss.getLocalSocketAddress();
        }

        void start(InetSocketAddress bind) throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(bind, 128);
            ss = s;
            Thread t = new Thread(() -> {
                while (!s.isClosed()) {
                    try {
                        Socket c = s.accept();
                        open.add(c);
                        Thread w = new Thread(() -> serve(c));
                        w.setDaemon(true);
                        w.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "named-" + name);
            t.setDaemon(true);
            t.start();
        }

        private void serve(Socket c) {
            try (c) {
                OutputStream out = c.getOutputStream();
                out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = c.getInputStream();
                byte[] b = new byte[4096];
                int n;
                while ((n = in.read(b)) > 0) {
                    out.write(b, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the test closed it
            }
        }

        /** Stops listening and drops its connections. */
        void stop() throws IOException {
            ss.close();
            for (Socket s : open) {
                s.close();
            }
        }

        void restart() throws IOException {
            start(address);
        }

        String hostAddress() {
            return address.getAddress().getHostAddress() + ":" + address.getPort();
        }

        @Override
        public void close() throws IOException {
            stop();
        }
    }

    private static ClusterConfig cluster(String name, String type, LbType lb, List<HostConfig> hosts,
                                         Duration idle, HealthCheckConfig hc, long mark) {
        return new ClusterConfig(0, name, type, lb, hosts, Duration.ofSeconds(2), idle, 0, hc, 2, 1.0,
                Duration.ofMillis(100), "", mark, false, null);
    }

    private static FerryConfig config(ClusterConfig cluster, boolean admin) {
        ListenerConfig l = new ListenerConfig(0, "l", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                Duration.ofSeconds(90), List.of(TestConfigs.filter(0, 0, "tcp_proxy", "{\"cluster\":\""
                + cluster.name() + "\"}")));
        JsonObject source = JsonParser.parseString("{\"cluster_manager\":{\"clusters\":[{\"name\":\"" + cluster.name()
                + "\"}]}}").getAsJsonObject();
        return new FerryConfig(new ServerConfig("", null, "INFO", Duration.ofSeconds(1), List.of(l)),
                List.of(cluster), admin ? Optional.of(new AdminConfig("127.0.0.1", 0)) : Optional.empty(), source,
                List.of());
    }

    /** Connects through the proxy and returns the upstream's greeting (its name). */
    private static String greeting(InetSocketAddress proxy) throws IOException {
        try (Socket s = TestServers.connect(proxy)) {
            return readLine(s.getInputStream());
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            sb.append((char) c);
        }
        return sb.toString();
    }

    private static JsonObject get(ProxyServer proxy, String path) throws Exception {
        InetSocketAddress admin = proxy.adminAddress().orElseThrow();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + admin.getPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static boolean healthyInStats(ProxyServer proxy, Named upstream) throws Exception {
        return get(proxy, "/api/v1/stats").getAsJsonObject("clusters").getAsJsonObject("c")
                .getAsJsonObject("hosts").getAsJsonObject(upstream.hostAddress()).get("healthy").getAsBoolean();
    }

    private static boolean unchecked(Check c) {
        try {
            return c.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String statsForMessage(ProxyServer proxy) {
        try {
            return get(proxy, "/api/v1/stats").toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean get() throws Exception;
    }

    @Test
    void aHostThatGoesDownLeavesTheRotationAndReturnsWhenItComesBack(@TempDir Path dir) throws Exception {
        Path eventLog = dir.resolve("hc.log");
        HealthCheckConfig hc = new HealthCheckConfig("svc", "", Duration.ofMillis(500), Duration.ofMillis(100),
                Duration.ofMillis(20), Duration.ofMillis(50), 2, 2, eventLog.toString());
        InetSocketAddress loopback0 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (Named a = new Named("a", loopback0); Named b = new Named("b", loopback0);
             ProxyServer proxy = ProxyServer.start(config(cluster("c", "SIMPLE", LbType.LB_ROUNDROBIN,
                     List.of(new HostConfig(a.hostAddress(), 1), new HostConfig(b.hostAddress(), 1)), Duration.ZERO,
                     hc, 0), true), registry(), ProxyOptions.defaults())) {
            InetSocketAddress l = tcpAddress(proxy, "l");
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                seen.add(greeting(l));
            }
            assertEquals(Set.of("a", "b"), seen);

            b.stop();
            await("b unhealthy in /api/v1/stats", Duration.ofSeconds(10), () -> unchecked(() -> !healthyInStats(proxy, b)));
            for (int i = 0; i < 20; i++) {
                String g = greeting(l);
                assertEquals("a", g, () -> "an unhealthy host gets no connection: " + statsForMessage(proxy));
            }
            JsonObject dump = get(proxy, "/api/v1/config_dump");
            JsonObject dumped = dump.getAsJsonObject("cluster_manager").getAsJsonArray("clusters").get(0)
                    .getAsJsonObject();
            assertEquals(2, dumped.getAsJsonArray("runtime_hosts").size());
            assertFalse(dumped.getAsJsonArray("runtime_hosts").get(1).getAsJsonObject().get("healthy").getAsBoolean());
            assertTrue(dumped.getAsJsonObject("runtime_health_check").get("failures").getAsLong() >= 2);

            b.restart();
            await("b healthy again", Duration.ofSeconds(10), () -> unchecked(() -> healthyInStats(proxy, b)));
            Set<String> back = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                back.add(greeting(l));
            }
            assertEquals(Set.of("a", "b"), back);
            JsonObject checks = get(proxy, "/api/v1/stats").getAsJsonObject("clusters").getAsJsonObject("c")
                    .getAsJsonObject("health_check");
            assertEquals("svc", checks.get("service_name").getAsString());
            assertEquals(2, checks.get("healthy_hosts").getAsLong());
            assertTrue(checks.get("active_failures").getAsLong() >= 2, checks.toString());
            await("the event log has both changes", Duration.ofSeconds(5), () -> unchecked(() ->
                    Files.exists(eventLog) && Files.readString(eventLog).contains("host:" + b.hostAddress()
                            + ",health_status:0,current_result:0,status_changed:1")
                            && Files.readString(eventLog).contains("host:" + b.hostAddress()
                            + ",health_status:1,current_result:1,status_changed:1")));
            assertTrue(Files.readString(eventLog).matches("(?s)time:\\d+,host:.*"), "MOSN's line format");
        }
    }

    @Test
    void strictDnsFollowsAChangedResolutionAndKeepsLiveConnections() throws Exception {
        AtomicReference<InetAddress[]> answer = new AtomicReference<>(
                new InetAddress[]{InetAddress.getByName("127.0.0.1")});
        HostResolver resolver = name -> {
            if (!name.equals("backend.test")) {
                throw new java.net.UnknownHostException(name);
            }
            return answer.get();
        };
        try (Named first = new Named("first", new InetSocketAddress("127.0.0.1", 0))) {
            int port = first.address.getPort();
            try (Named second = new Named("second", new InetSocketAddress("127.0.0.2", port));
                 ProxyServer proxy = ProxyServer.start(config(cluster("c", "STRICT_DNS", LbType.LB_ROUNDROBIN,
                         List.of(new HostConfig("backend.test:" + port, 1)), Duration.ZERO, null, 0), false),
                         registry(), ProxyOptions.defaults().withResolver(resolver))) {
                InetSocketAddress l = tcpAddress(proxy, "l");
                try (Socket live = TestServers.connect(l)) {
                    assertEquals("first", readLine(live.getInputStream()));
                    answer.set(new InetAddress[]{InetAddress.getByName("127.0.0.2")});
                    await("new connections reach the new address", Duration.ofSeconds(10),
                            () -> unchecked(() -> greeting(l).equals("second")));
                    assertEquals(List.of("127.0.0.2:" + port), proxy.clusterManager().cluster("c").orElseThrow()
                            .hosts().stream().map(h -> h.address()).toList());
                    assertEquals("backend.test:" + port, proxy.clusterManager().cluster("c").orElseThrow().hosts()
                            .get(0).hostname());
                    live.getOutputStream().write("still here\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("still here", readLine(live.getInputStream()), "the live connection is kept");
                }
                answer.set(new InetAddress[]{InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2")});
                await("both addresses are hosts", Duration.ofSeconds(10), () -> proxy.clusterManager().cluster("c")
                        .orElseThrow().hosts().size() == 2);
                answer.set(null); // resolution fails: the hosts are kept
                Thread.sleep(300);
                assertEquals(2, proxy.clusterManager().cluster("c").orElseThrow().hosts().size());
            }
        }
    }

    @Test
    void clusterIdleTimeoutClosesIdleUpstreamConnectionsOnly() throws Exception {
        try (Named a = new Named("a", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             ProxyServer proxy = ProxyServer.start(config(cluster("c", "SIMPLE", LbType.LB_ROUNDROBIN,
                     List.of(new HostConfig(a.hostAddress(), 1)), Duration.ofMillis(400), null, 0), false),
                     registry(), ProxyOptions.defaults())) {
            InetSocketAddress l = tcpAddress(proxy, "l");
            try (Socket busy = TestServers.connect(l); Socket idle = TestServers.connect(l)) {
                assertEquals("a", readLine(busy.getInputStream()));
                assertEquals("a", readLine(idle.getInputStream()));
                long start = System.nanoTime();
                // the busy connection talks every 100 ms for well over the idle timeout
                while (System.nanoTime() - start < 1_500_000_000L) {
                    busy.getOutputStream().write("x\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("x", readLine(busy.getInputStream()));
                    Thread.sleep(100);
                }
                idle.setSoTimeout(10_000);
                assertEquals(-1, idle.getInputStream().read(), "the idle connection was closed");
                busy.getOutputStream().write("y\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("y", readLine(busy.getInputStream()), "the busy one is open");
            }
        }
    }

    @Test
    void markIsSetOnUpstreamSockets() throws Exception {
        assumeTrue(Epoll.isAvailable(), "SO_MARK needs the native epoll transport, which does not load here");
        ProxyServer probe = null;
        try (Named a = new Named("a", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            FerryConfig config = config(cluster("c", "SIMPLE", LbType.LB_ROUNDROBIN,
                    List.of(new HostConfig(a.hostAddress(), 1)), Duration.ZERO, null, 0x2a), false);
            try {
                probe = ProxyServer.start(config, registry(), ProxyOptions.defaults().withTransport("epoll"));
            } catch (ConfigException e) {
                assumeTrue(false, "this process may not set SO_MARK (needs CAP_NET_ADMIN): " + e.getMessage());
            }
            try (ProxyServer proxy = probe; Socket s = TestServers.connect(tcpAddress(proxy, "l"))) {
                assertEquals("a", readLine(s.getInputStream()));
                Channel upstream = proxy.clusterManager().connections().iterator().next();
                assertEquals(0x2a, upstream.config().getOption(new IntegerUnixChannelOption("SO_MARK", 1, 36)));
            }
        }
    }

    @Test
    void aMarkThatCannotBeSetIsAStartError() {
        FerryConfig config = config(cluster("c", "SIMPLE", LbType.LB_ROUNDROBIN,
                List.of(new HostConfig("127.0.0.1:1", 1)), Duration.ZERO, null, 7), false);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ProxyServer.start(config, registry(), ProxyOptions.defaults().withTransport("nio")).close());
        assertEquals("cluster_manager.clusters[0].mark: 7 (expected: 0 (no mark), or run where SO_MARK can be set:"
                + " SO_MARK needs the native epoll transport (Linux), and this runtime runs on NIO"
                + " (-Dferry.transport=nio, or epoll does not load here))", e.getMessage());
    }
}
