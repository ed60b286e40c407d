package io.ferry.proxy.it;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.dump.format.FerryReader;
import io.ferry.dump.format.FerryRecord;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcpcopy through the real proxy: a Layotto-style config (tcpcopy, then tcp_proxy to an echo upstream), a window
 * opened through the admin API, and the bytes the client sent found byte for byte, in order, in
 * {@code dump_tcp_copy.log} in Layotto's line format, while the client's echo is unaffected.
 */
class TcpCopyIT {

    private static final Pattern LINE = Pattern.compile(
            "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{1,3} \\[INFO\\] \\[([0-9a-f-]{36})\\]\\[(\\d+)\\]"
                    + "([0-9a-f]{2}(?: [0-9a-f]{2})*)$");

    @TempDir
    Path dumpDir;

    private String config(int upstreamPort) {
        return """
                {
                  "servers": [{
                    "default_log_level": "WARN",
                    "listeners": [{
                      "name": "copied",
                      "address": "127.0.0.1:0",
                      "bind_port": true,
                      "filter_chains": [{
                        "filters": [
                          {"type": "tcpcopy", "config": {
                            "strategy": {"switch": "ON", "interval": 3600, "duration": 10,
                                         "cpu_max_rate": 99.9, "mem_max_rate": 99.9},
                            "dump": {"dir": "%s", "format": "ferry", "max_bytes_per_second": 0}}},
                          {"type": "tcp_proxy", "config": {"cluster": "echo"}}
                        ]
                      }]
                    }]
                  }],
                  "cluster_manager": {"clusters": [{
                    "name": "echo", "lb_type": "LB_ROUNDROBIN",
                    "hosts": [{"address": "127.0.0.1:%d"}]
                  }]},
                  "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}}
                }
                """.formatted(dumpDir.toString().replace("\\", "\\\\"), upstreamPort);
    }

    @Test
    void bytesSentInAWindowAppearInTheDumpInOrderAndNothingOutside() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), this::run);
    }

    private void run() throws Exception {
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(config(echo.port()), "tcpcopy-e2e.json"),
                     FilterRegistry.builder().build(), ProxyOptions.defaults())) {
            InetSocketAddress listener = (InetSocketAddress) proxy.listeners().get("copied");
            InetSocketAddress admin = proxy.adminAddress().orElseThrow();
            HttpClient http = HttpClient.newHttpClient();
            Random random = new Random(42);

            try (Socket client = new Socket()) {
                client.connect(listener, 10_000);
                client.setSoTimeout(20_000);
                OutputStream out = client.getOutputStream();
                DataInputStream in = new DataInputStream(client.getInputStream());

                byte[] outside = "sent before any window: must not be dumped".getBytes(StandardCharsets.US_ASCII);
                assertArrayEquals(outside, echo(out, in, outside), "echo outside a window");

                HttpResponse<String> opened = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + admin.getPort() + "/api/v1/tcpcopy/window?duration_s=30&listener=copied"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, opened.statusCode(), opened.body());
                JsonObject w = JsonParser.parseString(opened.body()).getAsJsonObject()
                        .getAsJsonArray("opened").get(0).getAsJsonObject();
                String window = w.get("id").getAsString();
                assertEquals(Integer.toString(listener.getPort()), w.get("port").getAsString());

                ByteArrayOutputStream sent = new ByteArrayOutputStream();
                byte[] binary = new byte[256];
                for (int i = 0; i < 256; i++) {
                    binary[i] = (byte) i;
                }
                byte[] large = new byte[64 * 1024];
                random.nextBytes(large);
                for (byte[] chunk : List.of("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), binary, large,
                        "ping".getBytes(StandardCharsets.US_ASCII), "ping".getBytes(StandardCharsets.US_ASCII))) {
                    assertArrayEquals(chunk, echo(out, in, chunk), "the client's echo is unaffected");
                    sent.write(chunk);
                }

                byte[] expected = sent.toByteArray();
                Path file = dumpDir.resolve("dump_tcp_copy.log");
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                byte[] dumped = new byte[0];
                while (System.nanoTime() < deadline) {
                    dumped = Files.exists(file) ? payloads(file, window, listener.getPort()) : new byte[0];
                    if (dumped.length >= expected.length) {
                        break;
                    }
                    Thread.sleep(20);
                }
                assertEquals(expected.length, dumped.length, "every byte sent in the window is dumped, and nothing else");
                assertArrayEquals(expected, dumped, "byte for byte, in order");
                String text = Files.readString(file);
                assertFalse(text.contains(HexFormat.ofDelimiter(" ").formatHex(outside)), "bytes sent outside the window");

                // the Ferry file: the same bytes, under the connection's OPEN, with its addresses
                List<FerryRecord> records = ferryRecords(dumpDir.resolve("dump_tcp_copy.ferry"), expected.length);
                FerryRecord open = records.get(0);
                assertEquals(FerryRecord.OPEN, open.type(), records.toString());
                assertEquals("copied", open.listener());
                assertEquals(window, open.window());
                assertEquals(client.getLocalPort(), open.remote().port(), "the client's address");
                assertEquals(listener.getPort(), open.local().port(), "the listener's address");
                assertTrue(open.midStream(), "the connection was open before the window: its capture starts mid-stream");
                assertEquals(outside.length, open.inbound(), "... at the stream offset where the window found it");
                ByteArrayOutputStream inbound = new ByteArrayOutputStream();
                for (FerryRecord r : records) {
                    if (r.type() == FerryRecord.DATA) {
                        assertEquals(open.connectionId(), r.connectionId());
                        assertEquals(FerryRecord.INBOUND, r.direction());
                        assertEquals(outside.length + inbound.size(), r.value(), "each record at its stream offset");
                        inbound.writeBytes(r.payload());
                    }
                }
                assertArrayEquals(expected, inbound.toByteArray(), "the Ferry records hold the same bytes");

                // the proxy's counters say the same: every captured byte captured once, nothing dropped
                JsonObject counters = tcpcopyStats(http, admin);
                assertEquals(expected.length, counters.get("captured_bytes").getAsLong(), counters.toString());
                assertEquals(1, counters.get("connections_admitted").getAsLong(), counters.toString());
                assertEquals(1, counters.get("connections_capturing").getAsLong(), counters.toString());
                assertEquals(1, counters.get("windows_opened").getAsLong(), counters.toString());
                for (Map.Entry<String, JsonElement> c : counters.entrySet()) {
                    if (c.getKey().startsWith("dropped_")) {
                        assertEquals(0, c.getValue().getAsLong(), c.getKey() + " in " + counters);
                    }
                }
            }
        }
    }

    /** The proxy's {@code GET /api/v1/stats}, {@code filters} then {@code tcpcopy.copied}. */
    private static JsonObject tcpcopyStats(HttpClient http, InetSocketAddress admin) throws Exception {
        HttpResponse<String> stats = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin.getPort() + "/api/v1/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, stats.statusCode(), stats.body());
        JsonObject filters = JsonParser.parseString(stats.body()).getAsJsonObject().getAsJsonObject("filters");
        assertTrue(filters != null && filters.has("tcpcopy.copied"), stats.body());
        return filters.getAsJsonObject("tcpcopy.copied");
    }

    /** The records of the Ferry file once its DATA hold {@code bytes} bytes (the writer works asynchronously). */
    private static List<FerryRecord> ferryRecords(Path file, long bytes) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            List<FerryRecord> out = new java.util.ArrayList<>();
            long data = 0;
            if (Files.exists(file)) {
                try (FerryReader reader = FerryReader.open(file)) {
                    for (FerryRecord r = reader.next(); r != null; r = reader.next()) {
                        out.add(r);
                        data += r.type() == FerryRecord.DATA ? r.payload().length : 0;
                    }
                }
            }
            if (data >= bytes || System.nanoTime() > deadline) {
                assertEquals(bytes, data, "inbound bytes in " + file);
                return out;
            }
            Thread.sleep(20);
        }
    }

    private static byte[] echo(OutputStream out, DataInputStream in, byte[] message) throws IOException {
        out.write(message);
        out.flush();
        byte[] back = new byte[message.length];
        in.readFully(back);
        return back;
    }

    /** The payload bytes of every line, checking each against Layotto's format, the window id and the port. */
    private static byte[] payloads(Path file, String window, int port) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "Layotto line format: " + line.substring(0, Math.min(120, line.length())));
            assertEquals(window, m.group(1));
            assertEquals(Integer.toString(port), m.group(2));
            all.write(HexFormat.ofDelimiter(" ").parseHex(m.group(3)));
        }
        return all.toByteArray();
    }
}
