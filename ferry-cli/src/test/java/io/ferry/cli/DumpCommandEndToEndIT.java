package io.ferry.cli;

import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.tools.Capture;
import io.ferry.dump.tools.TsharkFollow;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 5's acceptance, through the real proxy: tcpcopy with {@code "dump": {"format": "ferry", "directions":
 * "both"}} in front of tcp_proxy to an echo upstream, several concurrent connections captured in a window opened
 * through the admin API, then {@code ferry dump pcap} (checked with tshark), {@code ferry dump replay} against an echo
 * server and against one that answers differently, and a dump whose last record was cut short.
 */
class DumpCommandEndToEndIT {

    static final int CONNECTIONS = 5;

    @TempDir
    Path dumpDir;
    @TempDir
    Path work;
    /** Per client local port: what it sent, in order. */
    final Map<Integer, byte[]> sentByPort = new HashMap<>();
    EchoServer echo;

    @BeforeEach
    void capture() {
        assertTimeoutPreemptively(Duration.ofSeconds(90), this::captureThroughTheProxy);
    }

    @AfterEach
    void stopEcho() {
        if (echo != null) {
            echo.close();
        }
    }

    private void captureThroughTheProxy() throws Exception {
        echo = EchoServer.start(new InetSocketAddress("127.0.0.1", 0));
        try (ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(EchoClients.captureConfig(dumpDir, "", echo.address()), "ferry-e2e.json"),
                FilterRegistry.builder().build(), ProxyOptions.defaults())) {
            InetSocketAddress listener = (InetSocketAddress) proxy.listeners().get("copied");
            InetSocketAddress admin = proxy.adminAddress().orElseThrow();
            EchoClients.openWindow(admin, "copied", 60);

            ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
            List<Future<Map.Entry<Integer, byte[]>>> clients = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                int seed = c;
                clients.add(pool.submit(() -> EchoClients.client(listener, seed, 6, 3, 100_000)));
            }
            for (Future<Map.Entry<Integer, byte[]>> f : clients) {
                Map.Entry<Integer, byte[]> e = f.get();
                sentByPort.put(e.getKey(), e.getValue());
            }
            pool.shutdown();
            // wait for every connection's CLOSE record to reach the file
            Path file = dumpDir.resolve(FerryFormat.FILE);
            long closes = 0;
            for (long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos(); System.nanoTime() < deadline; ) {
                try {
                    closes = Capture.read(file).connections().values().stream().filter(k -> k.closeSeen).count();
                    if (closes == CONNECTIONS) {
                        break;
                    }
                } catch (IOException notYet) {
                    // not created yet, or its header not flushed yet: the writer flushes when its queue is empty
                }
                Thread.sleep(20);
            }
            assertEquals(CONNECTIONS, closes, "every connection's CLOSE record is in the dump");
        }
    }

    @Test
    void theDumpHoldsEachConnectionBothDirectionsWithRealAddresses() throws Exception {
        Capture c = Capture.read(dumpDir.resolve(FerryFormat.FILE));
        assertEquals(CONNECTIONS, c.connections().size());
        assertEquals(List.of(), c.problems());
        for (Capture.Conn k : c.connections().values()) {
            assertTrue(k.openSeen && k.closeSeen, "open and close of " + k.id);
            assertEquals("complete", k.status().text(), "connection " + k.id);
            assertEquals("127.0.0.1", k.remote.inetAddress().getHostAddress());
            byte[] sent = sentByPort.get(k.remote.port());
            assertArrayEquals(sent, k.bytes(FerryRecord.INBOUND), "inbound of connection " + k.id);
            assertArrayEquals(sent, k.bytes(FerryRecord.OUTBOUND), "outbound (the echo) of connection " + k.id);
        }
        CliRun inspect = CliRun.ferry("dump", "inspect", dumpDir.toString());
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains(CONNECTIONS + " connections"), inspect.out());
        assertTrue(inspect.out().contains("drops recorded: none"), inspect.out());
        assertEquals(CONNECTIONS, inspect.out().lines().filter(l -> l.endsWith("  complete")).count(), inspect.out());
        assertTrue(inspect.out().contains("connections_admitted=" + CONNECTIONS + " connections_complete=" + CONNECTIONS
                + " connections_truncated=0\n"), inspect.out());
        // the window the test opened is listed with its id, which --window then selects
        String window = c.connections().values().iterator().next().windows().iterator().next();
        assertTrue(inspect.out().contains("windows: 1\n  " + window + "  "), inspect.out());
        assertTrue(inspect.out().contains("  " + CONNECTIONS + " connections\n"), inspect.out());
        CliRun selected = CliRun.ferry("dump", "inspect", dumpDir.toString(), "--window", window);
        assertEquals(0, selected.code(), selected.err());
        assertTrue(selected.out().contains("selected: window " + window), selected.out());
    }

    @Test
    void pcapFollowedByTsharkGivesBackExactlyEachSidesBytes() throws Exception {
        Assumptions.assumeTrue(TsharkFollow.tshark() != null,
                "tshark is not installed (Debian: apt-get install tshark; .ci/run installs it when it can)");
        Path pcap = work.resolve("capture.pcapng");
        CliRun r = CliRun.ferry("dump", "pcap", dumpDir.resolve(FerryFormat.FILE).toString(), pcap.toString(), "--verify");
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(CONNECTIONS, TsharkFollow.streamCount(pcap));
        for (int s = 0; s < CONNECTIONS; s++) {
            TsharkFollow.Stream st = TsharkFollow.follow(pcap, s);
            int port = Integer.parseInt(st.node0().substring(st.node0().lastIndexOf(':') + 1));
            byte[] sent = sentByPort.get(port);
            assertArrayEquals(sent, st.fromNode0(), "stream " + s + ": what the client sent");
            assertArrayEquals(sent, st.fromNode1(), "stream " + s + ": what the proxy sent back");
        }
    }

    @Test
    void replayAgainstAnEchoServerMatchesEveryConnectionAndExitsZero() {
        CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.ferry("dump", "replay",
                dumpDir.resolve(FerryFormat.FILE).toString(), "--target", "127.0.0.1:" + echo.address().getPort(),
                "--speed", "10x"));
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains(CONNECTIONS + " matched, 0 not verified, 0 mismatched, 0 failed"), r.out());
    }

    @Test
    void replayAgainstAServerThatAnswersDifferentlyReportsTheMismatchAndExitsNonZero() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> serveReversed(ss));
            t.setDaemon(true);
            t.start();
            CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.ferry("dump", "replay",
                    dumpDir.toString(), "--target", "127.0.0.1:" + ss.getLocalPort(), "--speed", "max"));
            assertEquals(1, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("MISMATCH"), r.out());
            assertTrue(r.out().contains(CONNECTIONS + " mismatched ["), r.out());
        }
    }

    /** Echoes each chunk with its bytes inverted: same lengths, different content. */
    private static void serveReversed(ServerSocket ss) {
        while (!ss.isClosed()) {
            try {
                Socket s = ss.accept();
                new Thread(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        byte[] b = new byte[8192];
                        for (int n = in.read(b); n >= 0; n = in.read(b)) {
                            for (int i = 0; i < n; i++) {
                                b[i] = (byte) ~b[i];
                            }
                            out.write(b, 0, n);
                        }
                    } catch (IOException ignored) {
                        // the replay closed
                    }
                }).start();
            } catch (IOException e) {
                return;
            }
        }
    }

    @Test
    void aDumpWhoseLastRecordWasCutShortIsReadUpToThatRecord() throws Exception {
        Path file = dumpDir.resolve(FerryFormat.FILE);
        Capture whole = Capture.read(file);
        byte[] b = Files.readAllBytes(file);
        Path torn = work.resolve("torn.ferry");
        Files.write(torn, Arrays.copyOf(b, b.length - 3));    // a crash while writing the last CLOSE record
        Capture c = Capture.read(torn);
        assertEquals(whole.records().size() - 1, c.records().size());
        assertEquals(1, c.problems().size());
        assertTrue(c.problems().get(0).contains("cut short"), c.problems().get(0));
        for (Capture.Conn k : c.connections().values()) {
            assertArrayEquals(whole.connections().get(k.id).bytes(FerryRecord.INBOUND), k.bytes(FerryRecord.INBOUND));
        }
        CliRun inspect = CliRun.ferry("dump", "inspect", torn.toString());
        assertEquals(0, inspect.code());
        assertTrue(inspect.out().contains("damaged: ") && inspect.out().contains("cut short"), inspect.out());
        assertTrue(inspect.err().contains("warning: "), inspect.err());
    }
}
