package io.ferry.proxy.it;

import io.ferry.proxy.config.ClusterConfig;
import io.ferry.proxy.config.HostConfig;
import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream-connection API as a third-party filter sees it ({@code test.upstream_probe}, written on filter-api
 * alone): the connect events in order, each failure reason, and the close events that tell a FIN from a reset.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamApiIT {

    @BeforeEach
    void clearLog() {
        ThirdPartyFilters.LOG.clear();
    }

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    private static ListenerConfig probe(String config) {
        return new ListenerConfig(0, "l", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true, Duration.ofSeconds(90),
                List.of(TestConfigs.filter(0, 0, "test.upstream_probe", config)));
    }

    private static ClusterConfig cluster(int index, String name, Duration connectTimeout, int maxConnections,
                                         String... hosts) {
        List<HostConfig> hs = new ArrayList<>();
        for (String h : hosts) {
            hs.add(new HostConfig(h, 1));
        }
        return new ClusterConfig(index, name, "SIMPLE", LbType.LB_ROUNDROBIN, hs, connectTimeout, Duration.ZERO,
                maxConnections);
    }

    /** The probe's lines for its connection, without the "probe <id> " prefix, once {@code last} was logged. */
    private static List<String> probeLines(String last) throws InterruptedException {
        ProxyFixture.await(last + " in " + ThirdPartyFilters.LOG, Duration.ofSeconds(20),
                () -> ThirdPartyFilters.LOG.stream().anyMatch(l -> l.startsWith("probe ") && l.endsWith(last)));
        return ThirdPartyFilters.LOG.stream().filter(l -> l.startsWith("probe "))
                .map(l -> l.substring(l.indexOf(' ', "probe ".length()) + 1)).collect(Collectors.toList());
    }

    private static boolean closedWithoutData(Socket s) {
        try {
            return s.getInputStream().read() == -1;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void connectEventsComeInOrderAcrossFailedAttempts() throws Exception {
        int dead1 = TestServers.deadPort();
        int dead2 = TestServers.deadPort();
        try (TestServers.Server live = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .listener(probe("{\"cluster\":\"c\",\"attempts\":3}"))
                     .cluster(cluster(0, "c", Duration.ofSeconds(5), 0, "127.0.0.1:" + dead1, "127.0.0.1:" + dead2,
                             live.hostAddress()))
                     .build());
             Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            assertEquals(List.of("connect returned", "ON_CONNECT 127.0.0.1:" + dead1, "CONNECT_FAILED",
                    "ON_CONNECT 127.0.0.1:" + dead2, "CONNECT_FAILED", "ON_CONNECT " + live.hostAddress(),
                    "CONNECTED"), probeLines("CONNECTED"), "connect() returns before any callback");
            s.getOutputStream().write("via the api".getBytes(StandardCharsets.US_ASCII));
            assertEquals("via the api", new String(s.getInputStream().readNBytes(11), StandardCharsets.US_ASCII));
            s.shutdownOutput();   // the probe does not forward it; the upstream is closed when the client is gone
        }
    }

    @Test
    void whenEveryAttemptFailsTheFilterIsToldOnce() throws Exception {
        int dead = TestServers.deadPort();
        try (ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                .listener(probe("{\"cluster\":\"c\",\"attempts\":2}"))
                .cluster(cluster(0, "c", Duration.ofSeconds(5), 0, "127.0.0.1:" + dead))
                .build());
             Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            assertEquals(List.of("connect returned", "ON_CONNECT 127.0.0.1:" + dead, "CONNECT_FAILED",
                    "ON_CONNECT 127.0.0.1:" + dead, "CONNECT_FAILED", "failure CONNECT_FAILED"),
                    probeLines("failure CONNECT_FAILED"));
            assertTrue(closedWithoutData(s));
            var c = proxy.stats().getAsJsonObject("clusters").getAsJsonObject("c");
            assertEquals(2, c.get("connect_failures").getAsLong());
            assertEquals(1, c.get("connections_no_upstream").getAsLong());
        }
    }

    @Test
    void aConnectThatTakesTooLongTimesOut() throws Exception {
        // A listener that accepts nothing: once its backlog is full, the kernel drops further SYNs.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket f = new Socket();
                    try {
                        f.connect(full.getLocalSocketAddress(), 200);
                    } catch (IOException timedOut) {
                        f.close();
                        break;
                    }
                    fillers.add(f);
                }
                String host = "127.0.0.1:" + full.getLocalPort();
                try (ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                        .listener(probe("{\"cluster\":\"c\",\"attempts\":1}"))
                        .cluster(cluster(0, "c", Duration.ofMillis(300), 0, host))
                        .build());
                     Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                    assertEquals(List.of("connect returned", "ON_CONNECT " + host, "CONNECT_TIMEOUT",
                            "failure CONNECT_FAILED"), probeLines("failure CONNECT_FAILED"));
                    assertTrue(closedWithoutData(s));
                }
            } finally {
                for (Socket f : fillers) {
                    f.close();
                }
            }
        }
    }

    @Test
    void failuresBeforeAnyAttemptNameTheirReason() throws Exception {
        try (TestServers.Server live = TestServers.tcp(TestServers.ECHO)) {
            ListenerConfig noHost = new ListenerConfig(0, "nohost", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                    Duration.ofSeconds(90), List.of(TestConfigs.filter(0, 0, "test.upstream_probe",
                    "{\"cluster\":\"c\",\"host\":\"127.0.0.1:1\"}")));
            ListenerConfig noCluster = new ListenerConfig(1, "nocluster", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                    Duration.ofSeconds(90), List.of(TestConfigs.filter(1, 0, "test.upstream_probe",
                    "{\"cluster\":\"nope\"}")));
            ListenerConfig breaker = new ListenerConfig(2, "breaker", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                    Duration.ofSeconds(90), List.of(TestConfigs.filter(2, 0, "test.upstream_probe",
                    "{\"cluster\":\"one\"}")));
            try (ProxyServer proxy = ProxyFixture.start(TestConfigs.create().listener(noHost).listener(noCluster)
                    .listener(breaker)
                    .cluster(cluster(0, "c", Duration.ofSeconds(5), 0, live.hostAddress()))
                    .cluster(cluster(1, "one", Duration.ofSeconds(5), 1, live.hostAddress()))
                    .build())) {
                try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "nohost"))) {
                    assertEquals(List.of("connect returned", "failure NO_HOST"), probeLines("failure NO_HOST"),
                            "an explicit host the cluster does not have");
                    assertTrue(closedWithoutData(s));
                }
                ThirdPartyFilters.LOG.clear();
                try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "nocluster"))) {
                    assertEquals(List.of("connect returned", "failure NO_CLUSTER"), probeLines("failure NO_CLUSTER"));
                    assertTrue(closedWithoutData(s));
                }
                ThirdPartyFilters.LOG.clear();
                try (Socket first = TestServers.connect(ProxyFixture.tcpAddress(proxy, "breaker"))) {
                    probeLines("CONNECTED");
                    ThirdPartyFilters.LOG.clear();
                    try (Socket second = TestServers.connect(ProxyFixture.tcpAddress(proxy, "breaker"))) {
                        assertEquals(List.of("connect returned", "failure OVERFLOW"), probeLines("failure OVERFLOW"),
                                "max_connections 1 is taken by the first connection");
                        assertTrue(closedWithoutData(second));
                    }
                    assertEquals(1, proxy.stats().getAsJsonObject("clusters").getAsJsonObject("one")
                            .get("circuit_breaker_overflow").getAsLong());
                    first.getOutputStream().write(1);
                    assertEquals(1, first.getInputStream().read(), "the first connection is unaffected");
                }
            }
        }
    }

    @Test
    void anUpstreamConnectionTheFilterLeftOpenIsClosedWithItsDownstream() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .listener(probe("{\"cluster\":\"c\",\"leave_open\":true}"))
                     .cluster(cluster(0, "c", Duration.ofSeconds(5), 0, "127.0.0.1:" + upstream.getLocalPort()))
                     .build())) {
            CompletableFuture<Integer> seen = CompletableFuture.supplyAsync(() -> {
                try (Socket u = upstream.accept()) {
                    u.setSoTimeout(20_000);
                    try {
                        return u.getInputStream().read();
                    } catch (IOException reset) {
                        return -1;
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                probeLines("CONNECTED");
                s.setSoLinger(true, 0);   // the client goes away for good: a reset closes the downstream connection
            }
            assertEquals(-1, seen.get(20, TimeUnit.SECONDS), "the upstream connection ends with the client's");
            List<String> lines = probeLines("LOCAL_CLOSE");
            assertEquals("LOCAL_CLOSE", lines.get(lines.size() - 1));
            ProxyFixture.await("the cluster's connection to close", Duration.ofSeconds(10),
                    () -> proxy.stats().getAsJsonObject("clusters").getAsJsonObject("c")
                            .get("connections_active").getAsLong() == 0);
        }
    }

    @Test
    void anUpstreamFinIsAHalfCloseThenARemoteCloseAndAResetIsAReadError() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .listener(probe("{\"cluster\":\"c\"}"))
                     .cluster(cluster(0, "c", Duration.ofSeconds(5), 0, "127.0.0.1:" + upstream.getLocalPort()))
                     .build())) {
            CompletableFuture<Void> graceful = CompletableFuture.runAsync(() -> {
                try (Socket u = upstream.accept()) {
                    u.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
                    u.shutdownOutput();
                    InputStream in = u.getInputStream();
                    while (in.read() >= 0) {
                        // until the probe's FIN answers ours
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                assertEquals("bye", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            }
            graceful.get(10, TimeUnit.SECONDS);
            List<String> lines = probeLines("REMOTE_CLOSE");
            assertEquals(List.of("REMOTE_HALF_CLOSE", "REMOTE_CLOSE"), lines.subList(lines.size() - 2, lines.size()),
                    "a FIN, then the close once both sides sent theirs");

            ThirdPartyFilters.LOG.clear();
            CompletableFuture<Void> reset = CompletableFuture.runAsync(() -> {
                try {
                    Socket u = upstream.accept();
                    u.getOutputStream().write("cut".getBytes(StandardCharsets.US_ASCII));
                    u.setSoLinger(true, 0);
                    Thread.sleep(100);
                    u.close();   // a reset
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                reset.get(10, TimeUnit.SECONDS);
                List<String> cut = probeLines("ON_READ_ERR_CLOSE");
                assertTrue(!cut.contains("REMOTE_HALF_CLOSE"), "a reset is no FIN: " + cut);
            }
        }
    }
    /**
     * {@code writeCopy} takes what it needs before it returns: the source may be kept, appended to and reused after.
     * The filter leaves part of each read in the read buffer, so the chain's buffer grows, is compacted and reused
     * while earlier writes still wait behind an upstream that starts reading late: every byte arrives, in order.
     */
    @Test
    void bytesWrittenWithWriteCopyStayIntactWhileTheSourceIsKeptAndReused() throws Exception {
        long seed = System.nanoTime();
        System.out.println("UpstreamApiIT seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] data = new byte[12 * 1024 * 1024];
        random.nextBytes(data);
        TestServers.Behaviour lateEcho = (in, out, shutdownOutput) -> {
            try {
                Thread.sleep(400);          // the proxy's outbound queue fills meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            TestServers.ECHO.serve(in, out, shutdownOutput);
        };
        for (int keep : new int[] {1, 1000, 70_000}) {
            try (TestServers.Server echo = TestServers.tcp(lateEcho);
                 ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                         .listener(probe("{\"cluster\":\"c\",\"observe_keep\":" + keep + "}"))
                         .cluster(cluster(0, "c", Duration.ofSeconds(5), 0, echo.hostAddress()))
                         .build());
                 Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.getInputStream().readAllBytes();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                OutputStream out = s.getOutputStream();
                for (int off = 0; off < data.length; ) {
                    int n = Math.min(data.length - off, 1 + random.nextInt(96 * 1024));
                    out.write(data, off, n);
                    off += n;
                }
                s.shutdownOutput();
                byte[] got = echoed.get(40, TimeUnit.SECONDS);
                assertEquals(data.length, got.length, "bytes echoed with " + keep + " kept (seed " + seed + ")");
                assertEquals(-1, Arrays.mismatch(data, got),
                        "first byte that differs, with " + keep + " kept (seed " + seed + ")");
            }
        }
    }
}
