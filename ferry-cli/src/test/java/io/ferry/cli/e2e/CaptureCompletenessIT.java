package io.ferry.cli.e2e;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.cli.CliRun;
import io.ferry.cli.EchoServer;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryReader;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.tools.TsharkFollow;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11 through the real proxy: with tcpcopy's defaults (only {@code "format": "ferry", "directions": "both"}
 * set), a capture is whole or says exactly what it lacks, and what the dump says matches the proxy's counters; a
 * burst captured whole replays with exit 0 and converts to pcapng streams tshark follows byte for byte.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CaptureCompletenessIT {

    @TempDir
    Path dumpDir;
    @TempDir
    Path work;

    private String config(InetSocketAddress upstream) {
        return """
                {
                  "servers": [{
                    "default_log_level": "WARN",
                    "listeners": [{
                      "name": "copied", "address": "127.0.0.1:0", "bind_port": true,
                      "filter_chains": [{"filters": [
                        {"type": "tcpcopy", "config": {
                          "strategy": {"switch": "ON", "interval": 3600, "duration": 10, "cpu_max_rate": 99.9,
                                       "mem_max_rate": 99.9},
                          "dump": {"dir": "%s", "format": "ferry", "directions": "both"}}},
                        {"type": "tcp_proxy", "config": {"cluster": "echo"}}
                      ]}]
                    }]
                  }],
                  "cluster_manager": {"clusters": [{"name": "echo", "lb_type": "LB_ROUNDROBIN",
                                                    "hosts": [{"address": "127.0.0.1:%d"}]}]},
                  "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}}
                }
                """.formatted(dumpDir.toString().replace("\\", "\\\\"), upstream.getPort());
    }

    /** A connection as the dump tells it. */
    static final class Seen {
        FerryRecord open;
        FerryRecord end;
        long in;
        long out;
        boolean gap;
        final ByteArrayOutputStream inbound = new ByteArrayOutputStream();
        final ByteArrayOutputStream outbound = new ByteArrayOutputStream();

        boolean complete() {
            return open != null && !open.midStream() && !gap && end != null && end.type() == FerryRecord.CLOSE
                    && end.inbound() == in && end.outbound() == out;
        }
    }

    private Map<Long, Seen> read() throws IOException {
        Map<Long, Seen> conns = new LinkedHashMap<>();
        try (FerryReader r = FerryReader.open(dumpDir.resolve(FerryFormat.FILE))) {
            for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                if (rec.type() == FerryRecord.REFUSED || rec.type() == FerryRecord.DROPPED) {
                    continue;
                }
                Seen s = conns.computeIfAbsent(rec.connectionId(), k -> new Seen());
                assertTrue(s.end == null, "connection " + rec.connectionId() + ": a record after its end");
                switch (rec.type()) {
                    case FerryRecord.OPEN -> {
                        s.open = rec;
                        s.in = rec.inbound();
                        s.out = rec.outbound();
                    }
                    case FerryRecord.DATA -> {
                        boolean inbound = rec.direction() == FerryRecord.INBOUND;
                        if (rec.value() != (inbound ? s.in : s.out)) {
                            s.gap = true;
                        }
                        if (inbound) {
                            s.in = rec.end();
                            s.inbound.writeBytes(rec.payload());
                        } else {
                            s.out = rec.end();
                            s.outbound.writeBytes(rec.payload());
                        }
                    }
                    default -> s.end = rec;
                }
            }
            assertEquals(List.of(), r.problems());
        }
        return conns;
    }

    private static void openWindow(InetSocketAddress admin, int seconds) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + admin.getPort() + "/api/v1/tcpcopy/window?duration_s=" + seconds))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private static Map<String, Long> stats(ProxyServer proxy) throws Exception {
        InetSocketAddress admin = proxy.adminAddress().orElseThrow();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + admin.getPort() + "/api/v1/stats")).build(), HttpResponse.BodyHandlers.ofString());
        JsonObject all = JsonParser.parseString(r.body()).getAsJsonObject();
        JsonObject tcpcopy = all.getAsJsonObject("filters").getAsJsonObject("tcpcopy.copied");
        Map<String, Long> m = new HashMap<>();
        tcpcopy.entrySet().forEach(e -> m.put(e.getKey(), e.getValue().getAsLong()));
        return m;
    }

    /** Sends {@code payload} and reads the echo back, whole. */
    private static byte[] echo(InetSocketAddress listener, byte[] payload) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(listener, 10_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(payload);
            s.getOutputStream().flush();
            byte[] back = new byte[payload.length];
            new DataInputStream(s.getInputStream()).readFully(back);
            return back;
        }
    }

    private static void awaitEnds(ProxyServer proxy, int connections) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Map<String, Long> st = stats(proxy);
            if (st.get("connections_capturing") == 0 && st.get("connections_admitted") + refused(st)
                    >= connections) {
                return;
            }
            Thread.sleep(20);
        }
    }

    private static long refused(Map<String, Long> st) {
        return st.entrySet().stream().filter(e -> e.getKey().startsWith("connections_refused_"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    @Test
    void withTheDefaultsABurstOfConversationsIsCapturedWhole() throws Exception {
        try (EchoServer echo = EchoServer.start(new InetSocketAddress("127.0.0.1", 0));
             ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(config(echo.address()), "e2e.json"),
                     FilterRegistry.builder().build(), ProxyOptions.defaults())) {
            InetSocketAddress listener = (InetSocketAddress) proxy.listeners().get("copied");
            openWindow(proxy.adminAddress().orElseThrow(), 20);
            Random random = new Random(11);
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                payloads.add(bytes(random, 30_000));
            }
            for (int i = 0; i < 3; i++) {
                payloads.add(bytes(random, 80_000));
            }
            ExecutorService pool = Executors.newFixedThreadPool(payloads.size());
            try {
                List<Future<byte[]>> echoes = new ArrayList<>();
                for (byte[] p : payloads) {
                    echoes.add(pool.submit(() -> echo(listener, p)));
                }
                for (int i = 0; i < payloads.size(); i++) {
                    assertArrayEquals(payloads.get(i), echoes.get(i).get(60, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
            awaitEnds(proxy, payloads.size());
            Map<Long, Seen> conns = read();
            assertEquals(payloads.size(), conns.size());
            List<byte[]> captured = new ArrayList<>();
            for (Seen s : conns.values()) {
                assertTrue(s.complete(), "complete: " + s.open + " ... " + s.end);
                assertArrayEquals(s.inbound.toByteArray(), s.outbound.toByteArray(), "the echo, both directions");
                captured.add(s.inbound.toByteArray());
            }
            for (byte[] p : payloads) {
                assertTrue(captured.stream().anyMatch(c -> java.util.Arrays.equals(c, p)), "every conversation");
            }
            Map<String, Long> st = stats(proxy);
            assertEquals(7L, st.get("connections_complete"), st.toString());
            assertEquals(0L, refused(st), st.toString());

            // what the dump is for: replay verifies every conversation, and pcapng gives each side back to tshark
            CliRun replay = CliRun.ferry("dump", "replay", dumpDir.toString(), "--target",
                    "127.0.0.1:" + echo.address().getPort(), "--speed", "max");
            assertEquals(0, replay.code(), replay.out() + replay.err());
            assertTrue(replay.out().contains("7 matched, 0 not verified, 0 mismatched, 0 failed"), replay.out());
            Assumptions.assumeTrue(TsharkFollow.tshark() != null,
                    "tshark is not installed (Debian: apt-get install tshark; .ci/run installs it when it can)");
            Path pcap = work.resolve("burst.pcapng");
            CliRun convert = CliRun.ferry("dump", "pcap", dumpDir.toString(), pcap.toString(), "--verify");
            assertEquals(0, convert.code(), convert.out() + convert.err());
            assertEquals(payloads.size(), TsharkFollow.streamCount(pcap));
            for (int i = 0; i < payloads.size(); i++) {
                TsharkFollow.Stream followed = TsharkFollow.follow(pcap, i);
                assertArrayEquals(followed.fromNode0(), followed.fromNode1(), "stream " + i + ": the echo");
                byte[] client = followed.fromNode0();
                assertTrue(payloads.stream().anyMatch(p -> java.util.Arrays.equals(p, client)),
                        "stream " + i + " is one of the conversations sent, byte for byte");
            }
        }
    }

    @Test
    void aThousandConcurrentConnectionsAreEachCompleteOrSayWhatTheyLackAndTheDumpAgreesWithTheStats()
            throws Exception {
        int n = 1000;
        try (EchoServer echo = EchoServer.start(new InetSocketAddress("127.0.0.1", 0));
             ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(config(echo.address()), "e2e.json"),
                     FilterRegistry.builder().build(), ProxyOptions.defaults())) {
            InetSocketAddress listener = (InetSocketAddress) proxy.listeners().get("copied");
            openWindow(proxy.adminAddress().orElseThrow(), 60);
            byte[] payload = bytes(new Random(3), 16 * 1024);
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {           // all open at once
                    Socket s = new Socket();
                    s.connect(listener, 10_000);
                    s.setSoTimeout(30_000);
                    sockets.add(s);
                }
                ExecutorService pool = Executors.newFixedThreadPool(50);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 50; t++) {
                    List<Socket> mine = sockets.subList(t * (n / 50), (t + 1) * (n / 50));
                    done.add(pool.submit(() -> {
                        for (Socket s : mine) {
                            s.getOutputStream().write(payload);
                        }
                        for (Socket s : mine) {
                            byte[] back = new byte[payload.length];
                            new DataInputStream(s.getInputStream()).readFully(back);
                            assertArrayEquals(payload, back);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(90, TimeUnit.SECONDS);
                }
                pool.shutdown();
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            awaitEnds(proxy, n);
            Map<Long, Seen> conns = read();
            Map<String, Long> st = stats(proxy);
            long complete = 0;
            Map<String, Long> abandoned = new HashMap<>();
            for (Map.Entry<Long, Seen> e : conns.entrySet()) {
                Seen s = e.getValue();
                assertFalse(s.gap, "connection " + e.getKey() + " has a hole");
                assertTrue(s.end != null, "connection " + e.getKey() + " has no end record: silently partial");
                if (s.complete()) {
                    complete++;
                } else {
                    assertTrue(s.end.type() == FerryRecord.ABANDONED || s.end.type() == FerryRecord.TRUNCATED,
                            "connection " + e.getKey() + " ended " + s.end);
                    assertEquals(s.in, s.end.inbound(), "connection " + e.getKey() + ": its end says where it stops");
                    abandoned.merge("connections_abandoned_" + s.end.reason(), 1L, Long::sum);
                }
            }
            assertEquals(st.get("connections_admitted"), (long) conns.size(), st.toString());
            assertEquals(st.get("connections_complete"), complete, st.toString());
            abandoned.forEach((k, v) -> assertEquals(st.get(k), v, k + " " + st));
            assertEquals(n, conns.size() + refused(st), "every connection is captured or counted as refused: " + st);
        }
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
