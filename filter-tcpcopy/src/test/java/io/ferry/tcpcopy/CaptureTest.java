package io.ferry.tcpcopy;

import io.ferry.dump.format.LayottoFormat;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.testkit.embedded.EmbeddedListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptureTest {

    @TempDir
    Path dir;
    final Harness h = new Harness();
    final ListenerInfo listener = EmbeddedListener.tcp("l1", 2045);

    @AfterEach
    void close() {
        h.close();
    }

    private TcpCopyFactory factory(Object... dumpKv) throws Exception {
        return h.create(Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir, dumpKv), listener);
    }

    /** The payloads of dump_tcp_copy.log, decoded, in file order. */
    private List<String> payloads() throws Exception {
        h.awaitWriters();
        Path f = dir.resolve(LayottoFormat.TCP_COPY_FILE);
        List<String> out = new ArrayList<>();
        if (!Files.exists(f)) {
            return out;
        }
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            String hex = line.substring(line.lastIndexOf(']') + 1).replace(" ", "");
            out.add(new String(HexFormat.of().parseHex(hex), StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    private static IoBuffer buf(String s) {
        IoBuffer b = IoBuffer.allocate(16);
        b.append(s.getBytes(StandardCharsets.ISO_8859_1));
        return b;
    }

    @Test
    void nothingOutsideAWindowThenExactLayottoLinesInside() throws Exception {
        TcpCopyFactory f = factory();
        ReadFilter r = Harness.chain(f, listener).read.get(0);
        IoBuffer b = buf("before");
        assertEquals(FilterStatus.CONTINUE, r.onData(b));
        assertEquals(6, b.length(), "never drains");
        b.drain(6);
        assertEquals(List.of(), payloads());

        h.advance(30_007);
        Window w = f.currentWindow();
        b.append("GET /\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(FilterStatus.CONTINUE, r.onData(b));
        b.drain(b.length());
        h.awaitWriters();

        long t = h.currentTimeMillis();
        String expected = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").format(Instant.ofEpochMilli(t).atZone(ZoneId.systemDefault()))
                + "," + (t % 1000) + " [INFO] [" + w.id() + "][2045]47 45 54 20 2f 0d 0a\n";
        assertTrue(expected.contains(",7 [INFO] "), "milliseconds are not zero-padded");
        assertEquals(expected, Files.readString(dir.resolve(LayottoFormat.TCP_COPY_FILE)));
    }

    @Test
    void bytesPresentedAgainAfterALaterStopAreCapturedOnce() throws Exception {
        TcpCopyFactory f = factory();
        ReadFilter r = Harness.chain(f, listener).read.get(0);
        f.open(5, true);
        IoBuffer b = buf("abc");
        r.onData(b);                       // a later filter returns STOP without draining
        b.append("def".getBytes(StandardCharsets.ISO_8859_1));
        r.onData(b);                       // the chain presents "abcdef" again from filter 0
        b.drain(4);                        // a later filter consumes "abcd" and stops again
        b.append("gh".getBytes(StandardCharsets.ISO_8859_1));
        r.onData(b);                       // "efgh" presented, "ef" already captured
        b.drain(b.length());               // tcp_proxy drains everything
        b.append("ijk".getBytes(StandardCharsets.ISO_8859_1));
        r.onData(b);
        assertEquals(List.of("abc", "def", "gh", "ijk"), payloads());
    }

    @Test
    void identicalPayloadsAreNotDeduplicated() throws Exception {
        TcpCopyFactory f = factory();
        List<ReadFilter> filters = List.of(Harness.chain(f, listener).read.get(0), Harness.chain(f, listener).read.get(0));
        List<IoBuffer> buffers = List.of(IoBuffer.allocate(8), IoBuffer.allocate(8));
        f.open(5, true);
        for (int i = 0; i < 3; i++) {
            for (int c = 0; c < 2; c++) {
                IoBuffer b = buffers.get(c);
                b.append("ping".getBytes(StandardCharsets.ISO_8859_1));
                filters.get(c).onData(b);
                b.drain(4);
            }
        }
        assertEquals(List.of("ping", "ping", "ping", "ping", "ping", "ping"), payloads());
    }

    @Test
    void beyondTheCaptureBudgetACaptureIsGivenUpWholeAndNewConnectionsAreRefused() throws Exception {
        // 1000 B/s: the bucket holds its minimum, 1 MiB, and a capture may run one more bucket into debt
        TcpCopyFactory f = factory("max_bytes_per_second", 1000.0);
        ReadFilter r = Harness.chain(f, listener).read.get(0);
        f.open(5, true);
        byte[] mib = new byte[1 << 20];
        IoBuffer b = IoBuffer.allocate(mib.length);
        for (int i = 0; i < 3; i++) {
            java.util.Arrays.fill(mib, (byte) ('a' + i));
            b.append(mib);
            assertEquals(FilterStatus.CONTINUE, r.onData(b), "the client's traffic is never held back");
            b.drain(mib.length);
        }
        ReadFilter late = Harness.chain(f, listener).read.get(0);
        b.append("late".getBytes(StandardCharsets.ISO_8859_1));
        late.onData(b);
        List<String> written = payloads();
        Map<String, Number> stats = h.stats("tcpcopy.l1");
        assertEquals(2, written.size(), "two whole reads, then the capture ends: no read is cut out of it");
        assertEquals("a".repeat(1 << 20), written.get(0));
        assertEquals("b".repeat(1 << 20), written.get(1));
        assertEquals(1L, stats.get("connections_abandoned_rate_limit").longValue(), stats.toString());
        assertEquals(1L, stats.get("connections_refused_rate_limit").longValue(), "the late connection: " + stats);
        assertEquals(1L, stats.get("connections_admitted").longValue());
    }

    @Test
    void listenersSharingADumpDirMustAgreeOnTheBudget() throws Exception {
        factory("max_bytes_per_second", 1000.0);
        Exception e = assertThrows(FilterConfigException.class, () -> h.create(Harness.config(
                Fakes.strategy("ON", 30, 5, 80, 80), dir, "max_bytes_per_second", 2000.0), EmbeddedListener.tcp("l2", 2046)));
        assertTrue(e.getMessage().contains("max_buffered_bytes and sinks as the other tcpcopy filter dumping there"),
                e.getMessage());
    }

    @Test
    void theRuntimeBufferIsCopiedNotKept() throws Exception {
        TcpCopyFactory f = factory();
        ReadFilter r = Harness.chain(f, listener).read.get(0);
        f.open(5, true);
        byte[] backing = "secret-a".getBytes(StandardCharsets.ISO_8859_1);
        IoBuffer b = IoBuffer.wrap(backing);
        r.onData(b);
        backing[7] = 'b';                  // the runtime reuses its array for other bytes
        assertEquals(List.of("secret-a"), payloads());
    }

    @Test
    void eachConnectionKeepsItsOrderUnderConcurrency() throws Exception {
        TcpCopyFactory f = factory("queue_capacity", 1_000_000.0);
        f.open(5, true);
        int connections = 4;
        int chunks = 2000;
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            ReadFilter r = Harness.chain(f, listener).read.get(0);
            int conn = c;
            done.add(pool.submit(() -> {
                go.await();
                IoBuffer b = IoBuffer.allocate(64);
                for (int i = 0; i < chunks; i++) {
                    b.append(("c" + conn + ":" + i + ";").getBytes(StandardCharsets.ISO_8859_1));
                    r.onData(b);
                    b.drain(b.length());
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> d : done) {
            d.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        List<String> all = payloads();
        assertEquals(connections * chunks, all.size(), "nothing lost below capacity");
        int[] next = new int[connections];
        for (String p : all) {
            int conn = p.charAt(1) - '0';
            assertEquals("c" + conn + ":" + next[conn] + ";", p, "order within connection " + conn);
            next[conn]++;
        }
        assertEquals(0L, h.stats("tcpcopy.l1").get("dropped_queue_full"));
    }

    @Test
    void bothDirectionsAddsAWriteFilter() throws Exception {
        TcpCopyFactory inbound = factory();
        assertTrue(Harness.chain(inbound, listener).write.isEmpty(), "inbound only by default, as Layotto");
        h.close();
        Harness.Chain c = Harness.chain(h.create(Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir, "directions", "both"),
                EmbeddedListener.tcp("l2", 2046)), listener);
        h.provider.tcpCopy().listener("l2").orElseThrow().open(5, true);
        IoBuffer req = buf("req");
        c.read.get(0).onData(req);
        req.drain(3);
        IoBuffer resp = buf("resp");
        assertEquals(FilterStatus.CONTINUE, c.write.get(0).onWrite(List.of(resp)));
        assertEquals(4, resp.length());
        assertEquals(List.of("req", "resp"), payloads());
    }

    @Test
    void freshFilterInstancesPerConnection() throws Exception {
        TcpCopyFactory f = factory("directions", "both");
        Harness.Chain a = Harness.chain(f, listener);
        Harness.Chain b = Harness.chain(f, listener);
        assertFalse(a.read.get(0) == b.read.get(0));
        assertFalse(a.write.get(0) == b.write.get(0));
        assertSame(f.tcpCopy(), h.provider.tcpCopy());
    }

    @Test
    void switchOffMeansNothingIsCapturedEvenWithAManualRequest() throws Exception {
        TcpCopyFactory f = h.create(Harness.config(null, dir), listener);
        TcpCopyFactory.OpenResult res = f.open(5, true);
        assertEquals(409, res.status());
        assertEquals("tcpcopy switch is off for listener l1 (app OFF, global OFF); turn it on with "
                + "PUT /api/v1/tcpcopy/strategy?listener=l1 or PUT /api/v1/tcpcopy/strategy/global", res.refusal());
        ReadFilter r = Harness.chain(f, listener).read.get(0);
        r.onData(buf("x"));
        assertEquals(List.of(), payloads());
    }
}
