package io.ferry.dump.tools;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.DumpSource;
import io.ferry.dump.spi.Selection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Selecting by window, connection and time reads the same from a file as from any {@link DumpSource}, and
 * connections of several proxy instances with colliding ids are kept apart ({@link TwoInstances}, registered for the
 * scheme {@code test} in this module's test resources).
 */
class CaptureSelectionTest {

    static final long T0 = 1_800_000_000_000_000L;    // capture times in microseconds
    static final Endpoint CLIENT = Endpoint.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 50001));
    static final Endpoint PROXY = Endpoint.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 2045));

    @TempDir
    Path dir;

    /** Connections 1 and 2 in window w1 (second 0..2), connection 3 in w2 (second 100..102), a DROPPED in w1. */
    static List<FerryRecord> records(long offset) {
        byte[] oneIn = bytes("one-in" + offset);
        byte[] twoIn = bytes("two-in" + offset);
        byte[] oneOut = bytes("one-out" + offset);
        byte[] threeIn = bytes("three-in" + offset);
        return List.of(
                FerryRecord.open(T0, 1, "w1", "l", CLIENT, PROXY, false, 0, 0),
                FerryRecord.data(T0 + 1, 1, FerryRecord.INBOUND, "w1", "l", 0, oneIn),
                FerryRecord.open(T0 + 1_000_000, 2, "w1", "l", CLIENT, PROXY, false, 0, 0),
                FerryRecord.data(T0 + 1_000_001, 2, FerryRecord.INBOUND, "w1", "l", 0, twoIn),
                FerryRecord.data(T0 + 1_000_002, 1, FerryRecord.OUTBOUND, "w1", "l", 0, oneOut),
                FerryRecord.dropped(T0 + 1_500_000, "w1", "l", "queue_full", 4),
                FerryRecord.close(T0 + 2_000_000, 1, "w1", "l", oneIn.length, oneOut.length),
                FerryRecord.close(T0 + 2_000_000, 2, "w1", "l", twoIn.length, 0),
                FerryRecord.open(T0 + 100_000_000, 3, "w2", "l", CLIENT, PROXY, false, 0, 0),
                FerryRecord.data(T0 + 100_000_001, 3, FerryRecord.INBOUND, "w2", "l", 0, threeIn),
                FerryRecord.close(T0 + 102_000_000, 3, "w2", "l", threeIn.length, 0));
    }

    static List<String> encoded(List<FerryRecord> rs) {
        return rs.stream().map(r -> java.util.Base64.getEncoder().encodeToString(FerryFormat.encode(r))).toList();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    Path file() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(FerryFormat.header("proxy-1/77/cafe"));
        records(0).forEach(r -> b.writeBytes(FerryFormat.encode(r)));
        Path f = dir.resolve(FerryFormat.FILE);
        Files.write(f, b.toByteArray());
        return f;
    }

    static Instant at(long micros) {
        return Instant.EPOCH.plusNanos(micros * 1000);
    }

    static Selection select(List<String> windows, List<String> connections, Instant since, Instant until) {
        return Selection.of(windows, connections, since, until);
    }

    @Test
    void aFileIsSelectedByWindowConnectionAndTimeWithItsOwnIds() throws Exception {
        Path f = file();
        Capture all = Capture.read(f.toString(), Selection.ALL);
        assertEquals(List.of(1L, 2L, 3L), List.copyOf(all.connections().keySet()));
        assertEquals(Set.of("proxy-1/77/cafe"), all.instances(), "a file names its instance in its header");
        assertTrue(all.connections().values().stream().allMatch(k -> k.status().complete()),
                all.connections().values().stream().map(k -> k.status().text()).toList().toString());
        assertEquals(encoded(records(0)), encoded(all.records()), "everything, unchanged, in file order");

        Capture w2 = Capture.read(f.toString(), select(List.of("w2"), List.of(), null, null));
        assertEquals(List.of(3L), List.copyOf(w2.connections().keySet()), "files keep their connection ids");
        assertEquals(Set.of(), w2.dropped().keySet(), "w1's drops are not w2's");
        assertEquals("three-in0", new String(w2.connections().get(3L).bytes(FerryRecord.INBOUND), StandardCharsets.US_ASCII));

        Capture two = Capture.read(f, select(List.of(), List.of("2"), null, null));
        assertEquals(List.of(2L), List.copyOf(two.connections().keySet()));
        assertTrue(two.records().stream().allMatch(r -> r.connectionId() == 2 || r.type() == FerryRecord.DROPPED));
        assertEquals(4L, two.dropped().get("queue_full"), "the window's drops are still reported");

        Capture none = Capture.read(f, select(List.of(), List.of("9", "2"), null, null));
        assertEquals(List.of("9"), none.unmatched());
        assertEquals(List.of("1", "2", "3"), none.available());
        assertEquals("proxy-1/77/cafe/2", Capture.read(f, select(List.of(), List.of("proxy-1/77/cafe/2"), null, null))
                .connections().values().iterator().next().key(), "files select by INSTANCE/ID too");

        Capture early = Capture.read(f, select(List.of(), List.of(), null, at(T0 + 1_000_001)));
        assertEquals(List.of(1L, 2L), List.copyOf(early.connections().keySet()));
        assertEquals(3, early.records().size(), "until is exclusive: connection 2's DATA at that instant is not in");
        Capture late = Capture.read(f, select(List.of(), List.of(), at(T0 + 2_000_000), null));
        assertEquals(List.of(1L, 2L, 3L), List.copyOf(late.connections().keySet()));
        assertEquals(5, late.records().size(), "since is inclusive: the CLOSE records at that instant and w2");
        assertTrue(late.connections().get(3L).openSeen && !late.connections().get(1L).openSeen);

        assertEquals(encoded(records(0)), encoded(Capture.read(f.toUri().toString(), Selection.ALL).records()), "file:// URIs");
    }

    @Test
    void anUnknownSchemeSaysWhatIsExpected() {
        IOException e = assertThrows(IOException.class, () -> Capture.read("s3://bucket/dump", Selection.ALL));
        assertEquals("s3://bucket/dump: no dump source for s3:// was found (expected: a file, a dump directory,"
                + " or test://)", e.getMessage());
    }

    /** Two instances, same connection ids: {@code a} then {@code b}, their records interleaved. */
    public static final class TwoInstances implements DumpSource {
        @Override
        public String scheme() {
            return "test";
        }

        @Override
        public void read(String location, Selection selection, Records out) {
            List<FerryRecord> a = records(0);
            List<FerryRecord> b = records(1);
            for (int i = 0; i < a.size(); i++) {
                out.record("proxy/a", a.get(i));
                out.record("proxy/b", b.get(i));
            }
        }
    }

    @Test
    void instancesWithTheSameIdsAreKeptApartAndRenumbered() throws Exception {
        Capture c = Capture.read("test://two", Selection.ALL);
        assertEquals(Set.of("proxy/a", "proxy/b"), c.instances());
        assertEquals(List.of("proxy/a/1", "proxy/b/1", "proxy/a/2", "proxy/b/2", "proxy/a/3", "proxy/b/3"),
                c.connections().values().stream().map(Capture.Conn::key).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), List.copyOf(c.connections().keySet()));
        Capture.Conn b2 = c.connections().get(4L);
        assertEquals("proxy/b", b2.instance);
        assertEquals(2, b2.connectionId);
        assertArrayEquals(bytes("two-in1"), b2.bytes(FerryRecord.INBOUND));
        assertTrue(c.records().stream().filter(r -> r.type() != FerryRecord.DROPPED)
                .allMatch(r -> c.connections().containsKey(r.connectionId())), "records carry the displayed ids");
        assertEquals(8L, c.dropped().get("queue_full"));

        // select by key (the instance may contain '/') or by displayed id: the ids stay those of the whole read
        Capture sel = Capture.read("test://two", select(List.of(), List.of("proxy/b/2", "5"), null, null));
        assertEquals(List.of(4L, 5L), List.copyOf(sel.connections().keySet()));
        assertEquals(List.of("proxy/b/2", "proxy/a/3"), sel.connections().values().stream().map(Capture.Conn::key).toList());

        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Inspect.print(c, new PrintStream(text, true, StandardCharsets.UTF_8));
        String out = text.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("instances: 2 (proxy/a, proxy/b)"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("4 ") && l.contains(" proxy/b/2 ")), out);

        ByteArrayOutputStream pcap = new ByteArrayOutputStream();
        PcapConverter.convert(c, pcap);
        String raw = pcap.toString(StandardCharsets.ISO_8859_1);
        assertTrue(raw.contains("connection=4 listener=l instance=proxy/b"), "pcapng comments carry the instance");
        assertTrue(raw.contains("connection=1 listener=l instance=proxy/a"), "pcapng comments carry the instance");
    }

    @Test
    void aScannedSourceIsReadAgainFromATemporaryFileNotFromMemory() throws Exception {
        List<FerryRecord> kept = Capture.read("test://two", Selection.ALL).records();
        Path spool;
        try (Capture scanned = Capture.scan("test://two", Selection.ALL, true)) {
            assertTrue(!scanned.keepsRecords(), "scan keeps no records of a source");
            assertTrue(scanned.connections().values().stream().allMatch(k -> k.data.isEmpty()));
            spool = scanned.spoolFile();
            assertTrue(spool != null && Files.isRegularFile(spool), "the source's records are in a temporary file");
            List<FerryRecord> again = new java.util.ArrayList<>();
            scanned.forEachRecord((conn, r, last) -> again.add(r));
            assertEquals(encoded(kept), encoded(again), "the same records, relabelled alike, in the same order");
            assertEquals(6, scanned.connections().size());
            assertArrayEquals(java.security.MessageDigest.getInstance("SHA-256").digest(bytes("two-in1")),
                    scanned.connections().get(4L).digest(FerryRecord.INBOUND), "digests come from the first pass");
        }
        assertTrue(!Files.exists(spool), "close() removes the temporary file");
    }

    @Test
    void selectionValuesAreParsedOrExplained() {
        assertEquals(Instant.parse("2026-11-26T06:00:00Z"), Selection.parseTime("--since", "2026-11-26T06:00:00Z"));
        assertEquals(Instant.parse("2026-11-26T06:00:00Z"), Selection.parseTime("--since", "2026-11-26T14:00:00+08:00"));
        assertEquals(Instant.ofEpochMilli(1_764_136_800_000L), Selection.parseTime("--until", "1764136800000"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Selection.parseTime("--since", "yesterday"));
        assertEquals("--since yesterday (expected: an ISO-8601 instant like 2026-11-26T06:00:00Z, or epoch milliseconds)",
                e.getMessage());
        assertEquals(new Selection.ConnectionRef("host-1/4242", 7), Selection.ConnectionRef.parse("host-1/4242/7"));
        assertEquals(new Selection.ConnectionRef(null, 7), Selection.ConnectionRef.parse("7"));
        e = assertThrows(IllegalArgumentException.class, () -> Selection.ConnectionRef.parse("edge-1/x"));
        assertTrue(e.getMessage().startsWith("--connection edge-1/x (expected: a connection id"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Selection.of(List.of(), List.of(),
                Instant.parse("2026-11-26T07:00:00Z"), Instant.parse("2026-11-26T06:00:00Z")));
        assertTrue(e.getMessage().endsWith("(expected: --since before --until)"), e.getMessage());
    }
}
