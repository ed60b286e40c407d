package io.ferry.proxy.it;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcp_mirror end to end, over real sockets on 127.0.0.1: a client talks through {@code tcp_mirror} + {@code tcp_proxy}
 * to a primary echo, while shadows of several kinds (the same echo, one that answers differently at a known offset,
 * one that is down, one that resets mid-stream, one that never reads, a greeter that half-closes first) get the
 * client's bytes. The client's bytes must come back byte-exact whatever the shadow does; the verdicts, counters and the
 * report must say what the shadow did. No assertion depends on timing: waits poll for an outcome, with a deadline
 * far beyond what a busy machine needs.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MirrorEndToEndIT {

    /** What a test upstream does with each connection. */
    enum Kind { ECHO, DIFFER, RESET, BLACKHOLE, GREET_FIRST, SILENT, FIN_THEN_RESET }

    /** An upstream on an ephemeral port of 127.0.0.1. */
    static final class Upstream implements AutoCloseable {
        final ServerSocket server;
        final Kind kind;
        final long differAt;
        final AtomicInteger accepted = new AtomicInteger();
        /** Bytes each connection received until its peer's FIN (GREET_FIRST), in accept order. */
        final List<Long> received = new CopyOnWriteArrayList<>();
        final List<Socket> held = new CopyOnWriteArrayList<>();
        final ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mirror-e2e-upstream");
            t.setDaemon(true);
            return t;
        });

        Upstream(Kind kind, long differAt) throws IOException {
            this.kind = kind;
            this.differAt = differAt;
            server = new ServerSocket();
            if (kind == Kind.BLACKHOLE) {
                server.setReceiveBufferSize(8192);                   // no autotuning: the kernel absorbs little
            }
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            threads.execute(() -> {
                while (!server.isClosed()) {
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (IOException closed) {
                        return;
                    }
                    accepted.incrementAndGet();
                    threads.execute(() -> serve(s));
                }
            });
        }

        private void serve(Socket s) {
            try {
                switch (kind) {
                    case BLACKHOLE -> held.add(s);                   // accepts, never reads, never closes
                    case SILENT -> {                                 // reads everything, never answers or closes
                        held.add(s);
                        s.getInputStream().transferTo(OutputStream.nullOutputStream());
                    }
                    case FIN_THEN_RESET -> {                         // ends its answer early, then resets
                        InputStream in = s.getInputStream();
                        in.readNBytes(1024);
                        s.shutdownOutput();
                        // reads on for a second, ample for the proxy to see the FIN before the reset
                        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                        s.setSoTimeout(50);
                        byte[] sink = new byte[16 * 1024];
                        while (System.nanoTime() < until) {
                            try {
                                if (in.read(sink) < 0) {
                                    break;
                                }
                            } catch (java.net.SocketTimeoutException idle) {
                                // nothing to read yet
                            }
                        }
                        s.setSoLinger(true, 0);
                        s.close();
                    }
                    case RESET -> {
                        s.getInputStream().readNBytes(64 * 1024);
                        s.setSoLinger(true, 0);
                        s.close();
                    }
                    case GREET_FIRST -> {
                        try (s) {
                            s.getOutputStream().write("HELLO FROM UPSTREAM\n".getBytes(StandardCharsets.US_ASCII));
                            s.shutdownOutput();                    // the server's FIN comes first
                            received.add(s.getInputStream().transferTo(OutputStream.nullOutputStream()));
                        }
                    }
                    default -> {
                        try (s) {
                            InputStream in = s.getInputStream();
                            OutputStream out = s.getOutputStream();
                            byte[] buf = new byte[16 * 1024];
                            long offset = 0;
                            for (int n; (n = in.read(buf)) >= 0; ) {
                                if (kind == Kind.DIFFER && differAt >= offset && differAt < offset + n) {
                                    buf[(int) (differAt - offset)] ^= (byte) 0xFF;
                                }
                                out.write(buf, 0, n);
                                offset += n;
                            }
                            s.shutdownOutput();
                        }
                    }
                }
            } catch (IOException e) {
                // the proxy went away
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : held) {
                s.close();
            }
            threads.shutdownNow();
        }
    }

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private ProxyServer proxy;
    private InetSocketAddress address;
    private HttpClient http;
    private String adminBase;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        LeakTracker.assertNoLeaks();        // shadows share the client's read buffers: every path releases them
    }

    private Upstream upstream(Kind kind, long differAt) throws IOException {
        Upstream u = new Upstream(kind, differAt);
        closeables.add(u);
        return u;
    }

    /** A port nothing listens on. */
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void start(int primaryPort, int shadowPort, String mirrorConfig) throws Exception {
        start(primaryPort, "\"hosts\": [{\"address\": \"127.0.0.1:" + shadowPort + "\"}]", mirrorConfig);
    }

    /** {@code shadowCluster}: the fields of the shadow cluster after its name, load balancer and connect timeout. */
    private void start(int primaryPort, String shadowCluster, String mirrorConfig) throws Exception {
        String json = """
                {
                  "servers": [{"default_log_level": "WARN", "listeners": [{
                    "name": "mirrored", "address": "127.0.0.1:0", "bind_port": true,
                    "filter_chains": [{"filters": [
                      {"type": "tcp_mirror", "config": %s},
                      {"type": "tcp_proxy", "config": {"cluster": "primary"}}
                    ]}]
                  }]}],
                  "cluster_manager": {"clusters": [
                    {"name": "primary", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:%d"}]},
                    {"name": "shadow", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "5s", %s}
                  ]},
                  "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}}
                }
                """.formatted(mirrorConfig, primaryPort, shadowCluster);
        proxy = ProxyServer.start(MosnConfigLoader.parse(json, "mirror-e2e.json"), FilterRegistry.builder().build());
        address = (InetSocketAddress) proxy.listeners().get("mirrored");
        http = HttpClient.newHttpClient();
        adminBase = "http://127.0.0.1:" + proxy.adminAddress().orElseThrow().getPort();
    }

    /** Sends {@code data} in random pieces, then the FIN; returns the SHA-256 of everything that came back. */
    private String exchange(byte[] data, long seed) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(30_000);
            CompletableFuture<String> back = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        md.update(buf, 0, n);
                    }
                    return HexFormat.of().formatHex(md.digest());
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
            s.shutdownOutput();
            return back.get(45, TimeUnit.SECONDS);
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private JsonObject counters() {
        return proxy.stats().getAsJsonObject("filters").getAsJsonObject("tcp_mirror.mirrored");
    }

    private long counter(String name) {
        JsonElement e = counters().get(name);
        return e == null ? 0 : e.getAsLong();
    }

    private JsonObject report() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(adminBase + "/api/v1/tcp_mirror/report"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("listeners")
                .getAsJsonObject("mirrored");
    }

    /** Polls until {@code done} (deadline far beyond need: an outcome, not a timing, is asserted). */
    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private long verdicts() {
        long n = 0;
        for (String k : counters().keySet()) {
            if (k.startsWith("verdict_") && !k.startsWith("verdict_log_")) {
                n += counters().get(k).getAsLong();
            }
        }
        return n;
    }

    /** Nothing is held open: the listener's connections and the shadow cluster's are all closed. */
    private void awaitNothingHeld() throws InterruptedException {
        await("the proxy to hold no connection", () -> {
            JsonObject s = proxy.stats();
            return s.getAsJsonObject("listeners").getAsJsonObject("mirrored").get("connections_active").getAsLong() == 0
                    && s.getAsJsonObject("clusters").getAsJsonObject("shadow").get("connections_active")
                    .getAsLong() == 0
                    && s.getAsJsonObject("clusters").getAsJsonObject("primary").get("connections_active")
                    .getAsLong() == 0;
        });
    }

    @Test
    void aShadowThatAnswersLikeThePrimaryMatchesEveryConnection() throws Exception {
        long seed = System.nanoTime();
        System.out.println("MirrorEndToEndIT seed " + seed);
        java.nio.file.Path log = java.nio.file.Files.createTempFile("mirror-verdicts", ".jsonl");
        closeables.add(() -> java.nio.file.Files.deleteIfExists(log));
        start(upstream(Kind.ECHO, 0).port(), upstream(Kind.ECHO, 0).port(),
                "{\"cluster\": \"shadow\", \"grace\": \"20s\", \"verdict_log\": \""
                        + log.toString().replace("\\", "\\\\") + "\"}");
        SplittableRandom random = new SplittableRandom(seed);
        int connections = 6;
        for (int i = 0; i < connections; i++) {
            byte[] data = new byte[1 + random.nextInt(300 * 1024)];
            random.nextBytes(data);
            assertEquals(sha256(data), exchange(data, seed + i), "seed " + seed);
        }
        await("every verdict", () -> verdicts() == connections);
        assertEquals(connections, counter("verdict_matched"), "seed " + seed + ": " + counters());
        JsonObject report = report();
        JsonArray latest = report.getAsJsonArray("latest");
        assertEquals(connections, latest.size());
        for (JsonElement e : latest) {
            assertEquals("matched", e.getAsJsonObject().get("verdict").getAsString(), e.toString());
        }
        JsonObject latency = report.getAsJsonObject("first_response_latency");
        assertEquals(connections, latency.getAsJsonObject("primary_us").get("count").getAsLong());
        assertEquals(connections, latency.getAsJsonObject("shadow_us").get("count").getAsLong());
        assertTrue(latency.getAsJsonObject("shadow_us").get("p99").getAsLong() >= 0);
        assertTrue(counter("bytes_to_shadow") > 0);
        await("the verdict log", () -> counter("verdict_log_written") == connections);
        List<String> lines = java.nio.file.Files.readAllLines(log);
        assertEquals(connections, lines.size());
        for (String line : lines) {
            JsonObject v = JsonParser.parseString(line).getAsJsonObject();
            assertEquals(1, v.get("v").getAsInt(), line);
            assertEquals("mirrored", v.get("listener").getAsString(), line);
            assertEquals("matched", v.get("verdict").getAsString(), line);
            assertEquals(v.get("primary_bytes").getAsLong(), v.get("bytes_to_shadow").getAsLong(), line);
        }
        assertEquals(0, counter("verdict_log_dropped"));
        // the log reads back through `ferry dump inspect`'s reader
        assertTrue(io.ferry.dump.tools.Verdicts.isVerdictLog(log));
        io.ferry.dump.tools.Verdicts.Summary summary = io.ferry.dump.tools.Verdicts.read(log);
        assertEquals(connections, summary.verdicts());
        assertEquals(java.util.Map.of("matched", (long) connections), summary.byKind());
        awaitNothingHeld();
    }

    @Test
    void aShadowThatAnswersDifferentlyIsReportedAtTheExactByte() throws Exception {
        long seed = System.nanoTime();
        System.out.println("MirrorEndToEndIT seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        long at = 1000 + random.nextInt(100_000);
        // the window covers the whole answer, so the offset is exact whichever side runs ahead (beyond it, the
        // comparison falls back to checksums: "differs after byte M", M <= the offset; ResponseComparisonTest)
        start(upstream(Kind.ECHO, 0).port(), upstream(Kind.DIFFER, at).port(),
                "{\"cluster\": \"shadow\", \"grace\": \"20s\", \"compare_window\": \"256KiB\"}");
        int connections = 4;
        for (int i = 0; i < connections; i++) {
            byte[] data = new byte[(int) at + 1 + random.nextInt(100_000)];
            random.nextBytes(data);
            assertEquals(sha256(data), exchange(data, seed + i), "seed " + seed);
        }
        await("every verdict", () -> verdicts() == connections);
        assertEquals(connections, counter("verdict_differs"), "seed " + seed + ": " + counters());
        for (JsonElement e : report().getAsJsonArray("latest")) {
            JsonObject v = e.getAsJsonObject();
            assertEquals(at, v.get("offset").getAsLong(), "seed " + seed + ": " + v);
            assertTrue(v.get("detail").getAsString().startsWith("differs at byte " + at + " (primary "), v.toString());
        }
    }

    @Test
    void withThreeCopiesTheShadowSeesThreeConnectionsPerClientConnection() throws Exception {
        Upstream shadow = upstream(Kind.ECHO, 0);
        start(upstream(Kind.ECHO, 0).port(), shadow.port(), "{\"cluster\": \"shadow\", \"copies\": 3, \"grace\": \"20s\"}");
        byte[] data = "three copies, please".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 2; i++) {
            assertEquals(sha256(data), exchange(data, i));
        }
        await("every verdict", () -> verdicts() == 6);
        assertEquals(6, shadow.accepted.get());
        assertEquals(6, counter("verdict_matched"), counters().toString());
        assertEquals(2, counter("connections_mirrored"));
        awaitNothingHeld();
    }

    /** 8 MiB each way; the client gets every byte back. */
    private void clientUnaffected(Kind kind, String mirrorConfig, String reason) throws Exception {
        clientUnaffected(kind, mirrorConfig, reason, 8 << 20);
    }

    private void clientUnaffected(Kind kind, String mirrorConfig, String reason, int size) throws Exception {
        long seed = System.nanoTime();
        System.out.println("MirrorEndToEndIT seed " + seed);
        int shadowPort = kind == null ? closedPort() : upstream(kind, 0).port();
        start(upstream(Kind.ECHO, 0).port(), shadowPort, mirrorConfig);
        byte[] data = new byte[size];
        new SplittableRandom(seed).nextBytes(data);
        // byte-exact whatever the shadow does; a blackholed shadow still holds its connection unread meanwhile, so the
        // exchange finishing shows the client never waited for it
        assertEquals(sha256(data), exchange(data, seed), "seed " + seed);
        assertEquals(sha256(data), exchange(data, seed + 1), "seed " + seed);
        await("both verdicts", () -> verdicts() == 2);
        assertEquals(2, counter("abandoned_" + reason), "seed " + seed + ": " + counters());
        assertEquals(2, counter("verdict_shadow_failed"), counters().toString());
        assertTrue(report().getAsJsonArray("latest").get(0).getAsJsonObject().get("detail").getAsString()
                .startsWith("shadow failed: " + reason), report().toString());
        awaitNothingHeld();
    }

    @Test
    void aShadowThatIsDownLeavesTheClientUnaffected() throws Exception {
        clientUnaffected(null, "{\"cluster\": \"shadow\", \"max_buffer\": \"8MiB\"}", "connect_failed");
    }

    @Test
    void aShadowThatResetsMidStreamLeavesTheClientUnaffected() throws Exception {
        clientUnaffected(Kind.RESET, "{\"cluster\": \"shadow\", \"max_buffer\": \"16MiB\", \"grace\": \"20s\"}",
                "reset");
    }

    @Test
    void aShadowThatNeverReadsOverflowsAndLeavesTheClientUnaffected() throws Exception {
        // far more than the kernel absorbs for a shadow that never reads (the proxy's send buffer autotunes to a few
        // MiB), so each connection overflows max_buffer whatever the machine's socket buffer settings
        clientUnaffected(Kind.BLACKHOLE, "{\"cluster\": \"shadow\", \"max_buffer\": \"256KiB\", \"grace\": \"20s\"}",
                "overflow", 32 << 20);
    }

    @Test
    void theClientsFinReachesTheShadowAfterItsBytes() throws Exception {
        // the echo shadow answers everything and FINs only after the mirror's FIN: "matched" needs both
        start(upstream(Kind.ECHO, 0).port(), upstream(Kind.ECHO, 0).port(),
                "{\"cluster\": \"shadow\", \"grace\": \"20s\"}");
        byte[] data = new byte[200_000];
        new SplittableRandom(3).nextBytes(data);
        assertEquals(sha256(data), exchange(data, 3));
        await("the verdict", () -> verdicts() == 1);
        assertEquals(1, counter("verdict_matched"), counters().toString());
    }

    @Test
    void theServersFinFirstAndThenTheClientsBothReachTheShadow() throws Exception {
        Upstream shadow = upstream(Kind.GREET_FIRST, 0);
        start(upstream(Kind.GREET_FIRST, 0).port(), shadow.port(), "{\"cluster\": \"shadow\", \"grace\": \"20s\"}");
        byte[] data = new byte[100_000];
        new SplittableRandom(5).nextBytes(data);
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(30_000);
            byte[] greeting = s.getInputStream().readAllBytes();          // to the server's FIN
            assertEquals("HELLO FROM UPSTREAM\n", new String(greeting, StandardCharsets.US_ASCII));
            s.getOutputStream().write(data);                              // the client goes on after it
            s.shutdownOutput();
            await("the shadow to get the client's bytes and FIN", () -> shadow.received.size() == 1);
        }
        assertEquals(data.length, shadow.received.get(0));
        await("the verdict", () -> verdicts() == 1);
        assertEquals(1, counter("verdict_matched"), counters().toString());
        awaitNothingHeld();
    }

    @Test
    void aShadowThatEndsItsAnswerThenResetsWhileTheClientSendsIsClosedEarly() throws Exception {
        start(upstream(Kind.ECHO, 0).port(), upstream(Kind.FIN_THEN_RESET, 0).port(),
                "{\"cluster\": \"shadow\", \"grace\": \"20s\"}");
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] chunk = new byte[1024];
            long sent = 0;
            // the client goes on talking, a request every 20 ms, until its shadow has failed
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (counter("abandoned_closed_early") + counter("abandoned_reset") == 0) {
                assertTrue(System.nanoTime() < deadline, "still waiting for the shadow to fail: " + counters());
                java.util.Arrays.fill(chunk, (byte) sent);
                out.write(chunk);
                byte[] back = in.readNBytes(chunk.length);
                assertEquals(HexFormat.of().formatHex(chunk), HexFormat.of().formatHex(back));
                sent++;
                Thread.sleep(20);
            }
            s.shutdownOutput();
            assertEquals(-1, in.read());
        }
        await("the verdict", () -> verdicts() == 1);
        assertEquals(1, counter("abandoned_closed_early"), counters().toString());
        assertEquals(1, counter("verdict_shadow_failed"), counters().toString());
        awaitNothingHeld();
    }

    /** The verdict of a short exchange whose shadow cannot be had: the client gets its answer, the reason is counted. */
    private void shortExchangeAbandoned(String reason) throws Exception {
        byte[] data = "the client is served whatever the shadow".getBytes(StandardCharsets.US_ASCII);
        assertEquals(sha256(data), exchange(data, 1));
        await("the verdict", () -> verdicts() == 1);
        assertEquals(1, counter("abandoned_" + reason), counters().toString());
        assertEquals(1, counter("verdict_shadow_failed"), counters().toString());
        String detail = report().getAsJsonArray("latest").get(0).getAsJsonObject().get("detail").getAsString();
        assertTrue(detail.startsWith("shadow failed: " + reason), detail);
        awaitNothingHeld();
    }

    @Test
    void aShadowClusterWithoutHostsIsNoHost() throws Exception {
        start(upstream(Kind.ECHO, 0).port(), "\"hosts\": []", "{\"cluster\": \"shadow\"}");
        shortExchangeAbandoned("no_host");
    }

    @Test
    void aShadowClusterAtItsConnectionLimitIsCircuitBreaker() throws Exception {
        Upstream shadow = upstream(Kind.ECHO, 0);
        start(upstream(Kind.ECHO, 0).port(), "\"circuit_breakers\": [{\"max_connections\": 1}], \"hosts\": "
                + "[{\"address\": \"127.0.0.1:" + shadow.port() + "\"}]", "{\"cluster\": \"shadow\", \"grace\": \"20s\"}");
        try (Socket first = new Socket()) {
            first.connect(address, 10_000);
            first.setSoTimeout(30_000);
            first.getOutputStream().write('a');
            assertEquals('a', first.getInputStream().read());
            await("the first connection's shadow", () -> shadow.accepted.get() == 1);
            shortExchangeAbandonedWhileHeld("circuit_breaker");
            first.getOutputStream().write('b');
            assertEquals('b', first.getInputStream().read(), "the first connection is unaffected");
        }
        await("the first connection's verdict", () -> verdicts() == 2);
        assertEquals(1, counter("verdict_matched"), counters().toString());
        assertEquals(1, shadow.accepted.get());
        awaitNothingHeld();
    }

    /** {@link #shortExchangeAbandoned} while another client connection is still open. */
    private void shortExchangeAbandonedWhileHeld(String reason) throws Exception {
        byte[] data = "the second client".getBytes(StandardCharsets.US_ASCII);
        assertEquals(sha256(data), exchange(data, 2));
        await("the verdict", () -> verdicts() == 1);
        assertEquals(1, counter("abandoned_" + reason), counters().toString());
        assertEquals(1, counter("verdict_shadow_failed"), counters().toString());
    }

    @Test
    void aShadowIdleBeyondTheClustersIdleTimeoutIsIdleTimeout() throws Exception {
        Upstream shadow = upstream(Kind.SILENT, 0);
        start(upstream(Kind.ECHO, 0).port(), "\"idle_timeout\": \"300ms\", \"hosts\": [{\"address\": \"127.0.0.1:"
                + shadow.port() + "\"}]", "{\"cluster\": \"shadow\", \"grace\": \"20s\"}");
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
            // the shadow takes the bytes and says nothing: its connection idles past the shadow cluster's timeout
            await("the idle shadow to be abandoned", () -> counter("abandoned_idle_timeout") == 1);
            s.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
            assertEquals("pong", new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII),
                    "the client's connection outlives its shadow's");
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read());
        }
        await("the verdict", () -> verdicts() == 1);
        assertEquals(1, counter("verdict_shadow_failed"), counters().toString());
        awaitNothingHeld();
    }

    @Test
    void percentZeroMirrorsNothingUntilTheAdminApiRaisesIt() throws Exception {
        Upstream shadow = upstream(Kind.ECHO, 0);
        start(upstream(Kind.ECHO, 0).port(), shadow.port(), "{\"cluster\": \"shadow\", \"percent\": 0, \"grace\": \"20s\"}");
        byte[] data = "not mirrored".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 3; i++) {
            assertEquals(sha256(data), exchange(data, i));
        }
        assertEquals(0, shadow.accepted.get());
        assertEquals(3, counter("connections_not_sampled"));
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(adminBase
                        + "/api/v1/tcp_mirror/settings?listener=mirrored"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"percent\": 100}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        assertEquals(100.0, report().getAsJsonObject("settings").get("percent").getAsDouble());
        assertEquals(sha256(data), exchange(data, 9));
        await("the verdict", () -> verdicts() == 1);
        assertEquals(1, shadow.accepted.get());
        assertEquals(1, counter("verdict_matched"), counters().toString());
        HttpResponse<String> off = http.send(HttpRequest.newBuilder(URI.create(adminBase
                        + "/api/v1/tcp_mirror/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"enabled\": false}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, off.statusCode(), off.body());
        assertEquals(sha256(data), exchange(data, 10));
        assertEquals(1, shadow.accepted.get());
    }
}
