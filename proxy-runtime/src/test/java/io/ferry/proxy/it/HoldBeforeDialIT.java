package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FILTER-CONTRACT.md R1.4, R1.12, R1.13 in the real proxy: a third-party filter (written on filter-api alone, see
 * {@link ThirdPartyFilters}) that holds a connection in {@code onNewConnection}, or holds its bytes in {@code onData},
 * in front of {@code tcp_proxy}: tcp_proxy dials only when the chain reaches it, and once the hold ends every byte is
 * relayed, in order, in both directions, with the FINs. Randomized payloads print their seed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HoldBeforeDialIT {

    private static final int SIZE = 1024 * 1024;

    @BeforeEach
    void clearLog() {
        ThirdPartyFilters.LOG.clear();
    }

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    /** A proxy with one listener "l": {@code holdType} with {@code holdConfig}, then tcp_proxy to cluster "up". */
    private static ProxyServer proxy(String upstream, String holdType, String holdConfig) throws Exception {
        ListenerConfig l = new ListenerConfig(0, "l", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true, Duration.ofSeconds(90),
                List.of(TestConfigs.filter(0, 0, holdType, holdConfig),
                        TestConfigs.filter(0, 1, "tcp_proxy", "{\"cluster\":\"up\"}")));
        return ProxyFixture.start(TestConfigs.create().listener(l).cluster("up", LbType.LB_ROUNDROBIN, upstream)
                .build());
    }

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code data} in random-sized writes, then the FIN, while another thread reads the echo to EOF. */
    private static byte[] echoThrough(Socket s, byte[] data, long seed) throws Exception {
        CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
            try {
                return s.getInputStream().readAllBytes();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        OutputStream out = s.getOutputStream();
        SplittableRandom random = new SplittableRandom(seed);
        for (int off = 0; off < data.length; ) {
            int n = Math.min(data.length - off, 1 + random.nextInt(64 * 1024));
            out.write(data, off, n);
            off += n;
        }
        out.flush();
        s.shutdownOutput();
        return echoed.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aHoldInOnNewConnectionDelaysTheDialThenEveryByteIsRelayed() throws Exception {
        long seed = System.nanoTime();
        System.out.println("HoldBeforeDialIT seed " + seed);
        byte[] data = random(seed, SIZE);
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = proxy(echo.hostAddress(), "test.hold_new_connection", "{\"delay_ms\": 500}");
             Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            s.getOutputStream().write(data, 0, 1000);   // sent during the hold
            Thread.sleep(150);
            assertEquals(0, echo.accepted.get(), "tcp_proxy dials only when the chain reaches it (seed " + seed + ")");
            assertTrue(ThirdPartyFilters.LOG.stream().noneMatch(l -> l.startsWith("hold released")));
            byte[] rest = java.util.Arrays.copyOfRange(data, 1000, data.length);
            byte[] got = echoThrough(s, rest, seed);
            assertTrue(ThirdPartyFilters.LOG.stream().anyMatch(l -> l.startsWith("hold released")));
            assertEquals(1, echo.accepted.get());
            assertEquals(data.length, got.length, "bytes echoed (seed " + seed + ")");
            assertArrayEquals(data, got, "every byte, in order (seed " + seed + ")");
        }
    }

    @Test
    void aHoldInOnNewConnectionEndsWithoutTheClientSendingAByte() throws Exception {
        try (TestServers.Server greeter = TestServers.tcp(TestServers.greeting("hello from upstream"));
             ProxyServer proxy = proxy(greeter.hostAddress(), "test.hold_new_connection", "{\"delay_ms\": 200}");
             Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            InputStream in = s.getInputStream();
            byte[] greeting = "hello from upstream\n".getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(greeting, in.readNBytes(greeting.length), "a server-first protocol works after the hold");
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", new String(in.readNBytes(4), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aClientFinDuringTheHoldIsForwardedAfterTheHold() throws Exception {
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = proxy(echo.hostAddress(), "test.hold_new_connection", "{\"delay_ms\": 200}")) {
            try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                s.getOutputStream().write("last".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertEquals("last", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII),
                        "the bytes, then the upstream's FIN answering ours");
            }
            try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                s.shutdownOutput();   // a FIN with no byte before it
                assertEquals(-1, s.getInputStream().read(), "the FIN alone goes through too");
            }
        }
    }

    @Test
    void aHoldInOnDataKeepsTheBytesThenEveryByteIsRelayed() throws Exception {
        holdInOnData(false);
    }

    @Test
    void aHoldInOnDataAndOnNewConnectionAlsoDelaysTheDial() throws Exception {
        holdInOnData(true);
    }

    private void holdInOnData(boolean beforeDial) throws Exception {
        long seed = System.nanoTime();
        System.out.println("HoldBeforeDialIT seed " + seed);
        byte[] data = random(seed, SIZE);
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = proxy(echo.hostAddress(), "test.hold_data",
                     "{\"min_bytes\": 4096, \"delay_ms\": 300, \"before_dial\": " + beforeDial + "}");
             Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            s.getOutputStream().write(data, 0, 100);    // fewer than min_bytes: held, undrained
            assertNothingEchoedFor(s, 150);
            if (beforeDial) {
                assertEquals(0, echo.accepted.get(), "tcp_proxy is not reached yet: no dial (seed " + seed + ")");
            }
            s.getOutputStream().write(data, 100, 5000);  // enough: the filter decides after delay_ms
            assertNothingEchoedFor(s, 100);
            byte[] got = echoThrough(s, java.util.Arrays.copyOfRange(data, 5100, data.length), seed);
            assertEquals(1, echo.accepted.get());
            assertTrue(ThirdPartyFilters.LOG.stream().anyMatch(l -> l.startsWith("data released ")),
                    ThirdPartyFilters.LOG.toString());
            assertEquals(data.length, got.length, "bytes echoed (seed " + seed + ")");
            assertArrayEquals(data, got, "every byte, in order (seed " + seed + ")");
        }
    }

    /** Nothing comes back for {@code millis}: the held bytes have not reached the upstream. */
    private static void assertNothingEchoedFor(Socket s, int millis) throws Exception {
        int timeout = s.getSoTimeout();
        s.setSoTimeout(millis);
        try {
            int b = s.getInputStream().read();
            throw new AssertionError("a byte came back during the hold: " + b);
        } catch (java.net.SocketTimeoutException expected) {
            // held
        } finally {
            s.setSoTimeout(timeout);
        }
    }

    @Test
    void aHoldInOnDataEndedByTheClientsFinForwardsTheBytesThenTheFin() throws Exception {
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = proxy(echo.hostAddress(), "test.hold_data",
                     "{\"min_bytes\": 100000, \"delay_ms\": 100}");
             Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            s.getOutputStream().write("short request".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            got.writeBytes(s.getInputStream().readAllBytes());
            assertEquals("short request", got.toString(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void manyHeldConnectionsAtOnce() throws Exception {
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = proxy(echo.hostAddress(), "test.hold_data", "{\"min_bytes\": 1, \"delay_ms\": 50}")) {
            InetSocketAddress address = ProxyFixture.tcpAddress(proxy, "l");
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                long seed = 1000 + i;
                all.add(CompletableFuture.runAsync(() -> {
                    try (Socket s = TestServers.connect(address)) {
                        byte[] data = random(seed, 64 * 1024);
                        assertArrayEquals(data, echoThrough(s, data, seed), "connection with seed " + seed);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(45, TimeUnit.SECONDS);
            assertEquals(32, echo.accepted.get());
        }
    }
}
