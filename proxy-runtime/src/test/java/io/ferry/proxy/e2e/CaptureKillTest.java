package io.ferry.proxy.e2e;

import io.ferry.proxy.demo.EchoServer;
import io.ferry.proxy.cli.CliRun;
import io.ferry.tcpcopy.pcapng.TsharkFollow;
import io.ferry.tcpcopy.record.FerryFormat;
import io.ferry.tcpcopy.record.FerryReader;
import io.ferry.tcpcopy.record.FerryRecord;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of a proxy while it captures: every record it flushed reads back, whole and in order (at most the
 * last one is cut short, and is reported as such), and the captures it had open show as open when the dump ends, in
 * the file and in inspect, replay (complete ones matched, open ones not verified: exit 3) and pcap --verify.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CaptureKillTest {

    @TempDir
    Path dir;

    @Test
    void aProxyKilledMidWriteLeavesEveryFlushedRecordReadable() throws Exception {
        try (EchoServer echo = EchoServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path dump = dir.resolve("dump");
            Path config = dir.resolve("ferry.json");
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
                    """.formatted(port, dump.toString().replace("\\", "\\\\"), echo.address().getPort(), admin));
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try (ProxyProcess proxy = ProxyProcess.start(config, port, dir.resolve("proxy.err"))) {
                proxy.awaitListening(admin);
                HttpResponse<String> opened = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + admin + "/api/v1/tcpcopy/window?duration_s=600"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, opened.statusCode(), opened.body());
                for (int t = 0; t < 8; t++) {
                    int seed = t;
                    pool.execute(() -> {
                        Random r = new Random(seed);
                        while (!stop.get()) {
                            try (Socket s = new Socket()) {
                                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                                s.setSoTimeout(5000);
                                byte[] b = new byte[1 + r.nextInt(200_000)];
                                r.nextBytes(b);
                                s.getOutputStream().write(b);
                                new DataInputStream(s.getInputStream()).readFully(new byte[b.length]);
                            } catch (IOException e) {
                                return;            // the proxy is gone
                            }
                        }
                    });
                }
                Path file = dump.resolve(FerryFormat.FILE);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while ((!Files.exists(file) || Files.size(file) < 20L << 20) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                proxy.process.destroyForcibly();              // SIGKILL, mid-write
                assertTrue(proxy.process.waitFor(30, TimeUnit.SECONDS));
            } finally {
                stop.set(true);
                pool.shutdownNow();
            }
            Path file = dump.resolve(FerryFormat.FILE);
            long records = 0;
            long opened = 0;
            Map<Long, Long> inbound = new HashMap<>();
            List<String> problems;
            try (FerryReader r = FerryReader.open(file)) {
                for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                    records++;
                    if (rec.type() == FerryRecord.OPEN) {
                        opened++;
                    }
                    if (rec.type() == FerryRecord.DATA && rec.direction() == FerryRecord.INBOUND) {
                        long expected = inbound.getOrDefault(rec.connectionId(), 0L);
                        assertEquals(expected, rec.value(), "connection " + rec.connectionId() + ": records in order");
                        inbound.put(rec.connectionId(), rec.end());
                    }
                }
                problems = r.problems();
            }
            System.out.printf("killed mid-write: %,d B on disk, %,d whole records, %d connections, problems %s%n",
                    Files.size(file), records, inbound.size(), problems);
            assertTrue(records > 100, "records before the kill: " + records);
            assertTrue(problems.size() <= 1 && problems.stream().allMatch(p -> p.contains("cut short at the end")),
                    "at most the last record, cut short: " + problems);

            // the tools read the same: every connection, complete or open when the dump ends, the cut named
            CliRun inspect = CliRun.ferry("dump", "inspect", dump.toString());
            assertEquals(0, inspect.code(), inspect.err());
            assertTrue(inspect.out().contains(opened + " connections"), opened + " expected:\n" + inspect.out());
            long complete = inspect.out().lines().filter(l -> l.endsWith("  complete")).count();
            long open = inspect.out().lines().filter(l -> l.endsWith("  open when the dump ends")).count();
            assertEquals(opened, complete + open, inspect.out());
            assertTrue(complete > 0, inspect.out());
            for (String p : problems) {
                assertTrue(inspect.err().contains(p), "inspect reports " + p + ":\n" + inspect.err());
            }
            CliRun replay = CliRun.ferry("dump", "replay", dump.toString(), "--target",
                    "127.0.0.1:" + echo.address().getPort(), "--speed", "max");
            assertEquals(open == 0 ? 0 : 3, replay.code(), replay.out() + replay.err());
            assertTrue(replay.out().contains(complete + " matched, " + open + " not verified, 0 mismatched, 0 failed"),
                    replay.out());
            if (TsharkFollow.tshark() != null) {
                Path pcap = dir.resolve("killed.pcapng");
                CliRun convert = CliRun.ferry("dump", "pcap", dump.toString(), pcap.toString(), "--verify");
                assertEquals(0, convert.code(), convert.out() + convert.err());
                assertEquals(opened, TsharkFollow.streamCount(pcap));
            }
        }
    }
}
