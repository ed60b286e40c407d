package io.ferry.dump.tools;

import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.Selection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.ferry.dump.tools.TestDumps.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each row of docs/dump-format.md's table "A connection's status, as readers derive it", the connections refused per
 * window, the totals under the proxy's stats names, instances kept apart, and reading by scan (summaries, the files
 * read again for the records) agreeing with reading everything into memory.
 */
class CaptureStatusTest {

    static final String INSTANCE = "edge-1/4242/00c0ffee";

    @TempDir
    Path dir;

    /** One connection per status, and REFUSED records in two windows. */
    static TestDumps everyStatus() {
        TestDumps d = new TestDumps();
        d.conn(1, "w1", "l", 50001).open().in(bytes("1-in", 300)).out(bytes("1-out", 300)).close();
        d.conn(2, "w1", "l", 50002).open().in(bytes("2-in", 3000)).out(bytes("2-out", 1096)).truncated(4096);
        TestDumps.Conn three = d.conn(3, "w1", "l", 50003).open().in(bytes("3-in", 30000)).out(bytes("3-out", 2048));
        d.refused("w1", "l", "memory", 3);
        three.abandoned("rate_limit");
        d.conn(4, "w1", "l", 50004).open(true, 1200, 800).in(bytes("4-in", 800)).out(bytes("4-out", 700)).close();
        d.conn(5, "w1", "l", 50005).open().in(bytes("5-in", 10));
        d.conn(6, "w2", "l", 50006).open().in(bytes("6-in", 100)).skip(FerryRecord.INBOUND, 200)
                .in(bytes("6-in", 100)).close();
        d.conn(7, "w2", "l", 50007).open().in(bytes("7-in", 30000)).out(bytes("7-out", 2048)).close(30000, 30000);
        d.conn(8, "w2", "l", 50008).open(false, 0, FerryRecord.NOT_CAPTURED).in(bytes("8-in", 64)).close();
        d.conn(9, "w2", "l", 50009).in(bytes("9-in", 64)).close();
        d.conn(10, "w2", "l", 50010).open().in(bytes("10-in", 100)).abandoned("io_error", 500, 0);
        d.refused("w1", "l", "memory", 2).refused("w1", "l", "rate_limit", 4).refused("w2", "l", "queue_full", 1);
        return d;
    }

    static final Map<Long, String> STATUSES = new LinkedHashMap<>();

    static {
        STATUSES.put(1L, "complete");
        STATUSES.put(2L, "truncated at 4096 B");
        STATUSES.put(3L, "abandoned at 32048 B: rate_limit");
        STATUSES.put(4L, "closed; mid-stream start (inbound from byte 1200, outbound from byte 800)");
        STATUSES.put(5L, "open when the dump ends");
        STATUSES.put(6L, "incomplete: inbound bytes 100 to 300 missing");
        STATUSES.put(7L, "incomplete: outbound bytes 2048 to 30000 missing");
        STATUSES.put(8L, "complete");
        STATUSES.put(9L, "incomplete: no OPEN record");
        STATUSES.put(10L, "abandoned at 500 B: io_error; incomplete: inbound bytes 100 to 500 missing");
    }

    static String inspect(Capture c) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Inspect.print(c, new PrintStream(b, true, StandardCharsets.UTF_8));
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyRowOfTheStatusTableIsDerivedFromTheRecords() throws Exception {
        Path f = TestDumps.write(dir.resolve(FerryFormat.FILE), INSTANCE, everyStatus().records());
        Capture c = Capture.read(f);
        Map<Long, String> got = new LinkedHashMap<>();
        c.connections().forEach((id, k) -> got.put(id, k.status().text()));
        assertEquals(STATUSES, got);
        assertTrue(c.connections().get(1L).status().complete());
        assertTrue(c.connections().get(8L).status().complete(), "inbound only, every recorded byte");
        assertFalse(c.connections().get(8L).recorded(FerryRecord.OUTBOUND));
        assertFalse(c.connections().get(4L).status().complete(), "mid-stream is never complete");
        assertEquals(Capture.End.CLOSED, c.connections().get(7L).status().end());
        assertEquals("rate_limit", c.connections().get(3L).abandonedReason);

        String text = inspect(c);
        for (Map.Entry<Long, String> e : STATUSES.entrySet()) {
            assertTrue(text.lines().anyMatch(l -> l.startsWith(e.getKey() + " ") && l.endsWith("  " + e.getValue())),
                    e + "\n" + text);
        }
        assertTrue(text.contains("instance: " + INSTANCE + "\n"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("8 ") && l.contains(" not recorded ")), text);
        // per window: the connections not admitted, REFUSED records summed by reason
        assertTrue(text.lines().anyMatch(l -> l.startsWith("  w1  ") && l.endsWith(
                "5 connections, 9 not admitted: memory=5 rate_limit=4")), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("  w2  ") && l.endsWith(
                "5 connections, 1 not admitted: queue_full=1")), text);
        assertEquals(Map.of("memory", 5L, "rate_limit", 4L), c.windows().get("w1").refused);
        // totals under the names of the proxy's stats: end records counted as the proxy counts them
        assertTrue(text.contains("totals of listener l, instance " + INSTANCE + " (as in /api/v1/stats, filters.tcpcopy.l):\n"
                + "  connections_admitted=9 connections_complete=6 connections_truncated=1"
                + " connections_abandoned_io_error=1 connections_abandoned_rate_limit=1"
                + " connections_refused_memory=5 connections_refused_queue_full=1 connections_refused_rate_limit=4\n"
                + "  besides: 1 open when the dump ends, 4 with records missing from the dump, 1 started mid-stream\n"),
                text);
    }

    @Test
    void scanKeepsOnlySummariesAndReadsTheFilesAgainForTheRecords() throws Exception {
        Path f = TestDumps.write(dir.resolve(FerryFormat.FILE), INSTANCE, everyStatus().records());
        Capture read = Capture.read(f);
        Capture scan = Capture.scan(f.toString(), Selection.ALL, true);
        assertFalse(scan.keepsRecords());
        assertThrows(IllegalStateException.class, scan::records);
        assertEquals(read.recordCount(), scan.recordCount());
        assertEquals(inspect(read), inspect(scan));
        // records appended after the first pass are not handed out: the second pass reads what the first one read
        Files.write(f, FerryFormat.encode(FerryRecord.data(TestDumps.T0, 5, FerryRecord.INBOUND, "w1", "l", 10,
                new byte[] {1})), StandardOpenOption.APPEND);
        List<String> again = new ArrayList<>();
        List<Long> lasts = new ArrayList<>();
        scan.forEachRecord((conn, r, last) -> {
            again.add(java.util.Base64.getEncoder().encodeToString(FerryFormat.encode(r)));
            if (last) {
                lasts.add(conn.id);
            }
        });
        assertEquals(read.records().stream().map(r -> java.util.Base64.getEncoder().encodeToString(
                FerryFormat.encode(r))).toList(), again);
        assertEquals(Set.copyOf(read.connections().keySet()), Set.copyOf(lasts), "each connection's last record once");
        assertEquals(read.connections().size(), lasts.size());
        // digests cover each direction's bytes in order
        Capture.Conn one = read.connections().get(1L);
        assertArrayEquals(java.security.MessageDigest.getInstance("SHA-256").digest(one.bytes(FerryRecord.OUTBOUND)),
                scan.connections().get(1L).digest(FerryRecord.OUTBOUND));
    }

    @Test
    void twoRunsWritingIntoOneDirectoryStayApartInEveryTool() throws Exception {
        TestDumps a = new TestDumps();
        TestDumps.Conn a1 = a.conn(1, "wa", "l", 50001).open().in(bytes("a1", 100)).out(bytes("a1-back", 100)).close();
        TestDumps.Conn a2 = a.conn(2, "wa", "l", 50002).open().in(bytes("a2", 50));     // killed: no end record
        TestDumps b = new TestDumps();
        TestDumps.Conn b1 = b.conn(1, "wb", "l", 50001).open().in(bytes("b1", 70)).out(bytes("b1-back", 70)).close();
        TestDumps.Conn b2 = b.conn(2, "wb", "l", 50002).open().in(bytes("b2", 20)).out(bytes("b2-back", 20)).close();
        TestDumps.write(dir.resolve(FerryFormat.FILE + ".1"), "host/100/aaaa", a.records());
        TestDumps.write(dir.resolve(FerryFormat.FILE), "host/200/bbbb", b.records());

        Capture c = Capture.read(dir);
        assertTrue(c.renumbered());
        assertEquals(List.of("host/100/aaaa/1", "host/100/aaaa/2", "host/200/bbbb/1", "host/200/bbbb/2"),
                c.connections().values().stream().map(Capture.Conn::key).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L), List.copyOf(c.connections().keySet()));
        TestDumps.Conn[] want = {a1, a2, b1, b2};
        for (int i = 0; i < 4; i++) {
            Capture.Conn k = c.connections().get(i + 1L);
            assertArrayEquals(want[i].in.toByteArray(), k.bytes(FerryRecord.INBOUND), k.key());
            assertArrayEquals(want[i].out.toByteArray(), k.bytes(FerryRecord.OUTBOUND), k.key());
        }
        assertEquals("open when the dump ends", c.connections().get(2L).status().text());
        assertTrue(c.connections().get(3L).status().complete());

        String text = inspect(Capture.scan(dir.toString(), Selection.ALL, false));
        assertTrue(text.contains("instances: 2 (host/100/aaaa, host/200/bbbb)"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("3 ") && l.contains(" host/200/bbbb/1 ")), text);
        assertTrue(text.contains("totals of listener l, instance host/100/aaaa"), text);
        assertTrue(text.contains("totals of listener l, instance host/200/bbbb"), text);

        // by key, in a directory: the instance names the run
        Capture sel = Capture.read(dir.toString(), Selection.of(List.of(), List.of("host/200/bbbb/2"), null, null));
        assertEquals(List.of(4L), List.copyOf(sel.connections().keySet()));

        ByteArrayOutputStream pcap = new ByteArrayOutputStream();
        PcapConverter.convert(Capture.scan(dir.toString(), Selection.ALL, false), pcap);
        String raw = pcap.toString(StandardCharsets.ISO_8859_1);
        assertTrue(raw.contains("connection=3 listener=l instance=host/200/bbbb"), "pcapng comments carry the instance");
        assertTrue(raw.contains("connection=2 listener=l instance=host/100/aaaa | capture stops here: open when the "
                + "dump ends"), "the killed run's open capture ends in a reset");
    }

    @Test
    void damageInTheMiddleOfADumpIsSkippedAndReportedWithFileAndOffset() throws Exception {
        TestDumps d = new TestDumps();
        d.conn(1, "w", "l", 50001).open().in(bytes("1", 100)).close();
        int before = d.records().size();
        d.conn(2, "w", "l", 50002).open().in(bytes("2", 100)).out(bytes("2b", 10)).close();
        byte[] file = TestDumps.file(INSTANCE, d.records());
        int cut = FerryFormat.header(INSTANCE).length;
        for (int i = 0; i < before; i++) {
            cut += FerryFormat.encode(d.records().get(i)).length;
        }
        byte[] garbage = new byte[200];
        new java.util.Random(7).nextBytes(garbage);
        ByteArrayOutputStream damaged = new ByteArrayOutputStream();
        damaged.write(file, 0, cut);
        damaged.writeBytes(garbage);
        damaged.write(file, cut, file.length - cut);
        Path f = dir.resolve("damaged.ferry");
        Files.write(f, damaged.toByteArray());

        Capture c = Capture.read(f);
        assertEquals(List.of("complete", "complete"), c.connections().values().stream().map(k -> k.status().text()).toList());
        assertEquals(1, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().get(0).startsWith(f + ": damaged at offset " + cut + " ("), c.problems().get(0));
        assertTrue(c.problems().get(0).endsWith("200 bytes skipped, reading resumes at offset " + (cut + 200)),
                c.problems().get(0));
        assertTrue(inspect(c).contains("damaged: " + c.problems().get(0)));
    }

    @Test
    void aDirectoryWithAFileThatIsNotADumpReportsItAndReadsTheOthers() throws Exception {
        TestDumps d = new TestDumps();
        d.conn(1, "w", "l", 50001).open().in(bytes("1", 10)).close();
        TestDumps.write(dir.resolve(FerryFormat.FILE), INSTANCE, d.records());
        Files.write(dir.resolve(FerryFormat.FILE + ".1"), "FERRYD".getBytes(StandardCharsets.US_ASCII));
        Files.write(dir.resolve(FerryFormat.FILE + ".2"), FerryFormat.header(INSTANCE), StandardOpenOption.CREATE);
        Capture c = Capture.read(dir);
        assertEquals(1, c.connections().size());
        assertEquals(1, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().get(0).startsWith(dir.resolve(FerryFormat.FILE + ".1") + ": not a Ferry dump"),
                c.problems().get(0));
        assertTrue(c.problems().get(0).endsWith("; the file is skipped"), c.problems().get(0));
    }
}
