package io.ferry.dump.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FerryFormatTest {

    @TempDir
    Path dir;

    static List<FerryRecord> sample() throws Exception {
        Endpoint v4 = new Endpoint(Endpoint.IPV4, InetAddress.getByName("10.0.0.1").getAddress(), 40000, "");
        Endpoint v6 = new Endpoint(Endpoint.IPV6, InetAddress.getByName("2001:db8::5").getAddress(), 2045, "");
        Endpoint unix = new Endpoint(Endpoint.UNIX, new byte[0], 0, "/run/ferry.sock");
        return List.of(
                FerryRecord.open(1_000_001, 7, "w-1", "ingress", v4, v6, false, 0, 0),
                FerryRecord.open(1_000_002, 8, "w-1", "uds", Endpoint.UNKNOWN_ENDPOINT, unix, true, 1200,
                        FerryRecord.NOT_CAPTURED),
                FerryRecord.data(1_000_003, 7, FerryRecord.INBOUND, "w-1", "ingress", 0, "hello".getBytes()),
                FerryRecord.data(1_000_004, 7, FerryRecord.OUTBOUND, "w-1", "ingress", 0, new byte[0]),
                FerryRecord.truncated(1_000_005, 8, FerryRecord.INBOUND, "w-1", "uds", 4096, 5296,
                        FerryRecord.NOT_CAPTURED),
                FerryRecord.dropped(1_000_006, "w-1", "ingress", "queue_full", 3),
                FerryRecord.abandoned(1_000_007, 9, "w-1", "ingress", 300, 200, "rate_limit"),
                FerryRecord.refused(1_000_008, "w-1", "ingress", "memory", 12),
                FerryRecord.close(1_000_009, 7, "w-1", "ingress", 5, 0));
    }

    private Path write(List<FerryRecord> records) throws IOException {
        Path f = dir.resolve("d.ferry");
        try (var out = Files.newOutputStream(f)) {
            out.write(FerryFormat.header("host-1/4242/00c0ffee"));
            for (FerryRecord r : records) {
                out.write(FerryFormat.encode(r));
            }
        }
        return f;
    }

    static List<FerryRecord> readAll(FerryReader r) throws IOException {
        List<FerryRecord> out = new ArrayList<>();
        for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
            out.add(rec);
        }
        return out;
    }

    private static void assertSame(FerryRecord want, FerryRecord got) {
        assertEquals(want.type(), got.type());
        assertEquals(want.direction(), got.direction());
        assertEquals(want.timeMicros(), got.timeMicros());
        assertEquals(want.connectionId(), got.connectionId());
        assertEquals(want.window(), got.window());
        assertEquals(want.listener(), got.listener());
        assertEquals(want.flags(), got.flags());
        assertEquals(want.remote(), got.remote());
        assertEquals(want.local(), got.local());
        assertEquals(want.inbound(), got.inbound());
        assertEquals(want.outbound(), got.outbound());
        assertArrayEquals(want.payload(), got.payload());
        assertEquals(want.value(), got.value());
    }

    @Test
    void everyRecordTypeRoundTrips() throws Exception {
        List<FerryRecord> want = sample();
        try (FerryReader r = FerryReader.open(write(want))) {
            List<FerryRecord> got = readAll(r);
            assertEquals(want.size(), got.size());
            for (int i = 0; i < want.size(); i++) {
                assertSame(want.get(i), got.get(i));
            }
            assertEquals(List.of(), r.problems());
            assertEquals("host-1/4242/00c0ffee", r.instance());
        }
    }

    @Test
    void aTornLastRecordIsSkippedAndEverythingBeforeItKept() throws Exception {
        List<FerryRecord> want = sample();
        Path f = write(want);
        byte[] whole = Files.readAllBytes(f);
        int lastLen = FerryFormat.encode(want.get(want.size() - 1)).length;
        // cut anywhere inside the last record: in its frame, in its body, one byte short
        for (int cut : new int[] {1, 4, 8, 9, lastLen - 1}) {
            Files.write(f, Arrays.copyOf(whole, whole.length - lastLen + cut));
            try (FerryReader r = FerryReader.open(f)) {
                List<FerryRecord> got = readAll(r);
                assertEquals(want.size() - 1, got.size(), "cut " + cut);
                assertSame(want.get(want.size() - 2), got.get(want.size() - 2));
                assertEquals(1, r.problems().size(), "cut " + cut + ": " + r.problems());
                assertTrue(r.problems().get(0).contains("record at offset " + (whole.length - lastLen)
                        + " cut short at the end of the file"), r.problems().get(0));
                assertEquals(whole.length - lastLen, r.goodOffset());
            }
        }
    }

    @Test
    void aDamagedRecordFailsItsCrcAndIsSkippedWithEverythingAfterItRead() throws Exception {
        List<FerryRecord> want = sample();
        Path f = write(want);
        byte[] b = Files.readAllBytes(f);
        int header = FerryFormat.header("host-1/4242/00c0ffee").length;
        int third = header + FerryFormat.encode(want.get(0)).length + FerryFormat.encode(want.get(1)).length;
        b[third + FerryFormat.FRAME + 30] ^= 0x40;   // a bit flip inside the third record's body
        Files.write(f, b);
        try (FerryReader r = FerryReader.open(f)) {
            List<FerryRecord> got = readAll(r);
            assertEquals(want.size() - 1, got.size());
            assertSame(want.get(3), got.get(2));
            assertEquals(1, r.problems().size(), r.problems().toString());
            assertTrue(r.problems().get(0).contains("damaged at offset " + third + " (CRC32 mismatch): "
                    + FerryFormat.encode(want.get(2)).length + " bytes skipped"), r.problems().get(0));
        }
    }

    @Test
    void headerIsCheckedWithClearMessages() throws Exception {
        Path f = dir.resolve("x");
        Files.writeString(f, "2024-01-01 00:00:00,1 [INFO] [w][1]61");
        IOException e = assertThrows(IOException.class, () -> FerryReader.open(f));
        assertTrue(e.getMessage().contains("not a Ferry dump"), e.getMessage());
        byte[] h = FerryFormat.header("i");
        h[9] = 1;   // major version 1: an earlier Ferry
        Files.write(f, h);
        e = assertThrows(IOException.class, () -> FerryReader.open(f));
        assertTrue(e.getMessage().contains("Ferry dump format 1.0 (expected: format 2.x; it was written by an earlier"),
                e.getMessage());
        h[9] = 3;
        Files.write(f, h);
        e = assertThrows(IOException.class, () -> FerryReader.open(f));
        assertTrue(e.getMessage().endsWith("Ferry dump format 3.0 (expected: format 2.x)"), e.getMessage());
    }

    @Test
    void endpointsFromConnectionAddresses() throws Exception {
        assertEquals("unix:/run/ferry.sock", Endpoint.of(java.net.UnixDomainSocketAddress.of("/run/ferry.sock")).toString());
        Endpoint v6 = Endpoint.of(new java.net.InetSocketAddress(InetAddress.getByName("2001:db8::5"), 443));
        assertEquals(Endpoint.IPV6, v6.family());
        assertEquals("[2001:db8:0:0:0:0:0:5]:443", v6.toString());
        assertEquals(Endpoint.UNKNOWN_ENDPOINT, Endpoint.of(null));
        assertEquals(Endpoint.UNKNOWN_ENDPOINT, Endpoint.of(java.net.InetSocketAddress.createUnresolved("h", 1)));
    }
}
