package io.ferry.proxy.e2e;

import io.ferry.proxy.demo.EchoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11's slow readers: clients that send as much as they can and read nothing, through a listener capturing
 * everything ({@code "format": "ferry", "directions": "both", "max_bytes_per_second": 0}), against a proxy in a JVM
 * of its own with a small heap. The capture path holds at most {@code max_buffered_bytes}: no
 * {@code OutOfMemoryError}, another client keeps being served, and the live heap after a full collection stays far
 * below the maximum. The run in {@code mvn verify} is small; the one in the README:
 * <pre>
 * mvn -B -pl proxy-runtime -am test -Dtest=CaptureMemoryBoundIT -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dferry.memory.clients=50 -Dferry.memory.megabytes=200 -Dferry.memory.heap=256m
 * </pre>
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CaptureMemoryBoundIT {

    private static final int CLIENTS = Integer.getInteger("ferry.memory.clients", 20);
    private static final long BYTES = Long.getLong("ferry.memory.megabytes", 40) << 20;
    private static final String HEAP = System.getProperty("ferry.memory.heap", "128m");

    @TempDir
    Path dir;

    @Test
    void slowReadersCannotExhaustTheHeapThroughTheCapture() throws Exception {
        try (EchoServer echo = EchoServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            Path config = dir.resolve("ferry.json");
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Files.writeString(config, """
                    {
                      "servers": [{
                        "default_log_path": "stderr", "default_log_level": "WARN",
                        "listeners": [{
                          "name": "copied", "address": "127.0.0.1:%d", "bind_port": true,
                          "filter_chains": [{"filters": [
                            {"type": "tcpcopy", "config": {
                              "strategy": {"switch": "ON", "interval": 3600, "duration": 10, "cpu_max_rate": 99.9,
                                           "mem_max_rate": 99.9},
                              "dump": {"dir": "%s", "format": "ferry", "directions": "both",
                                       "max_bytes_per_second": 0}}},
                            {"type": "tcp_proxy", "config": {"cluster": "echo"}}
                          ]}]
                        }]
                      }],
                      "cluster_manager": {"clusters": [{"name": "echo", "lb_type": "LB_ROUNDROBIN",
                                                        "hosts": [{"address": "127.0.0.1:%d"}]}]},
                      "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": %d}}}
                    }
                    """.formatted(port, dir.resolve("dump").toString().replace("\\", "\\\\"),
                    echo.address().getPort(), admin));
            Path err = dir.resolve("proxy.err");
            List<SocketChannel> clients = new ArrayList<>();
            try (ProxyProcess running = ProxyProcess.start(config, port, err, "-Xmx" + HEAP, "-XX:+UseSerialGC")) {
                running.awaitListening(admin);
                Process proxy = running.process;
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> opened = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
                                + "/api/v1/tcpcopy/window?duration_s=600")).POST(HttpRequest.BodyPublishers.noBody())
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, opened.statusCode(), opened.body());
                for (int i = 0; i < CLIENTS; i++) {
                    SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                    c.configureBlocking(false);
                    clients.add(c);
                }
                ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
                long[] sent = new long[CLIENTS];
                long idleSince = System.nanoTime();
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                // write until every client sent its share or nothing moved for 5 s (all of them blocked)
                while (System.nanoTime() - idleSince < TimeUnit.SECONDS.toNanos(5) && System.nanoTime() < deadline) {
                    boolean moved = false;
                    for (int i = 0; i < CLIENTS; i++) {
                        if (sent[i] >= BYTES) {
                            continue;
                        }
                        chunk.clear();
                        int n = clients.get(i).write(chunk);
                        sent[i] += n;
                        moved |= n > 0;
                    }
                    if (moved) {
                        idleSince = System.nanoTime();
                    } else {
                        Thread.sleep(5);
                    }
                    assertTrue(proxy.isAlive(), "the proxy died: " + Files.readString(err));
                }
                long total = 0;
                for (long s : sent) {
                    total += s;
                }
                byte[] hello = "still served".getBytes(StandardCharsets.US_ASCII);
                try (Socket other = new Socket()) {
                    other.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                    other.setSoTimeout(20_000);
                    other.getOutputStream().write(hello);
                    byte[] back = new byte[hello.length];
                    new DataInputStream(other.getInputStream()).readFully(back);
                    assertArrayEquals(hello, back, "another client is served meanwhile");
                }
                long live = liveHeapAfterGc(proxy.pid());
                String stats = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
                        + "/api/v1/stats")).build(), HttpResponse.BodyHandlers.ofString()).body();
                System.out.printf("capture memory bound: %d clients sent %,d B without reading; proxy -Xmx%s: live heap "
                        + "after a full GC %,d B; %s%n", CLIENTS, total, HEAP, live, stats);
                String log = Files.readString(err);
                assertFalse(log.contains("OutOfMemoryError"), log);
                assertTrue(proxy.isAlive());
                assertTrue(live < 100L << 20, "live heap " + live + " B: the capture path is bounded (32 MiB)");
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
        }
    }

    /** The proxy's heap in use after a full collection, from {@code jcmd}. */
    private static long liveHeapAfterGc(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        ProxyProcess.run(jcmd, Long.toString(pid), "GC.run");
        String info = ProxyProcess.run(jcmd, Long.toString(pid), "GC.heap_info");
        Matcher m = Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(info);
        long used = 0;
        while (m.find()) {
            used += Long.parseLong(m.group(2)) * 1024;
        }
        assertTrue(used > 0, "no heap figures in: " + info);
        return used;
    }

}
