package io.ferry.dump.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reader resynchronises past damage in the middle of a file and keeps every whole record after it: garbage between
 * records, a torn record the writer appended after (the disk-full case), a length that runs past the end of the file,
 * random damage; and it refuses what is not a Ferry dump with one line, never an exception of another kind.
 */
class FerryReaderTest {

    static final String INSTANCE = "host-1/4242/00c0ffee";

    @TempDir
    Path dir;

    /** {@code n} records of connection 1, DATA of sizes from {@code rnd} (up to {@code max} bytes). */
    static List<FerryRecord> records(int n, Random rnd, int max) {
        List<FerryRecord> out = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < n; i++) {
            byte[] p = new byte[rnd.nextInt(max + 1)];
            rnd.nextBytes(p);
            out.add(FerryRecord.data(1_000_000L + i, 1, FerryRecord.INBOUND, "w", "l", offset, p));
            offset += p.length;
        }
        return out;
    }

    /** The file, and where each record starts (the last entry: the end of the file). */
    record Layout(byte[] bytes, int[] starts) {
    }

    static Layout layout(List<FerryRecord> records) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(FerryFormat.header(INSTANCE));
        int[] starts = new int[records.size() + 1];
        for (int i = 0; i < records.size(); i++) {
            starts[i] = b.size();
            b.writeBytes(FerryFormat.encode(records.get(i)));
        }
        starts[records.size()] = b.size();
        return new Layout(b.toByteArray(), starts);
    }

    static String id(FerryRecord r) {
        return Base64.getEncoder().encodeToString(FerryFormat.encode(r));
    }

    List<FerryRecord> read(byte[] file, List<String> problems) throws IOException {
        Path f = dir.resolve("d.ferry");
        Files.write(f, file);
        List<FerryRecord> out = new ArrayList<>();
        try (FerryReader r = FerryReader.open(f)) {
            for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                out.add(rec);
            }
            problems.addAll(r.problems());
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    @Test
    void twoHundredGarbageBytesBetweenRecordsAreSkippedAndEveryRecordAfterThemIsRead() throws Exception {
        List<FerryRecord> want = records(20, new Random(1), 300);
        Layout l = layout(want);
        byte[] garbage = new byte[200];
        new Random(2).nextBytes(garbage);
        garbage[50] = (byte) 0xf7;     // a sync marker inside the garbage, followed by nothing valid
        garbage[51] = (byte) 0xdc;
        int at = l.starts()[7];
        List<String> problems = new ArrayList<>();
        List<FerryRecord> got = read(concat(Arrays.copyOf(l.bytes(), at), garbage,
                Arrays.copyOfRange(l.bytes(), at, l.bytes().length)), problems);
        assertEquals(want.stream().map(FerryReaderTest::id).toList(), got.stream().map(FerryReaderTest::id).toList());
        assertEquals(List.of(dir.resolve("d.ferry") + ": damaged at offset " + at + " (no record starts there (bytes "
                + String.format("%02x%02x", garbage[0], garbage[1]) + ")): 200 bytes skipped, reading resumes at offset "
                + (at + 200)), problems);
    }

    @Test
    void aTornRecordFollowedByLaterRecordsHidesNoneOfThem() throws Exception {
        // the disk-full case: the write of record 5 stopped half-way, the writer appended records 6.. after it
        List<FerryRecord> want = records(12, new Random(3), 500);
        Layout l = layout(want);
        int torn = l.starts()[5];
        int half = (l.starts()[6] - torn) / 2;
        List<String> problems = new ArrayList<>();
        List<FerryRecord> got = read(concat(Arrays.copyOf(l.bytes(), torn + half),
                Arrays.copyOfRange(l.bytes(), l.starts()[6], l.bytes().length)), problems);
        List<FerryRecord> expected = new ArrayList<>(want);
        expected.remove(5);
        assertEquals(expected.stream().map(FerryReaderTest::id).toList(), got.stream().map(FerryReaderTest::id).toList());
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains(": damaged at offset " + torn + " ("), problems.get(0));
        assertTrue(problems.get(0).endsWith(half + " bytes skipped, reading resumes at offset " + (torn + half)),
                problems.get(0));
    }

    @Test
    void aTornRecordWhoseLengthRunsPastTheEndOfTheFileDoesNotEndTheRead() throws Exception {
        // a large record cut short, then small whole records: its length field points past the end of the file
        Random rnd = new Random(4);
        List<FerryRecord> want = new ArrayList<>(records(3, rnd, 100));
        byte[] big = new byte[100_000];
        want.add(FerryRecord.data(2_000_000L, 1, FerryRecord.INBOUND, "w", "l", 1_000_000, big));
        want.addAll(records(3, rnd, 100));
        Layout l = layout(want);
        List<String> problems = new ArrayList<>();
        List<FerryRecord> got = read(concat(Arrays.copyOf(l.bytes(), l.starts()[3] + 5000),
                Arrays.copyOfRange(l.bytes(), l.starts()[4], l.bytes().length)), problems);
        List<FerryRecord> expected = new ArrayList<>(want);
        expected.remove(3);
        assertEquals(expected.stream().map(FerryReaderTest::id).toList(), got.stream().map(FerryReaderTest::id).toList());
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("damaged at offset " + l.starts()[3] + " (a record whose length runs past the"
                + " end of the file): 5000 bytes skipped"), problems.get(0));
    }

    /** A frame with a correct CRC around {@code body}. */
    static byte[] framed(byte[] body) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(FerryFormat.FRAME + body.length);
        b.putShort((short) FerryFormat.SYNC).putInt(body.length).putInt(0).put(body);
        byte[] out = b.array();
        java.nio.ByteBuffer.wrap(out).putInt(6, (int) FerryFormat.crc(out, 2, out, FerryFormat.FRAME, body.length));
        return out;
    }

    @Test
    void aRecordWithAValidCrcThatDoesNotDecodeIsSkippedInWords() throws Exception {
        List<FerryRecord> want = records(4, new Random(6), 50);
        Layout l = layout(want);
        byte[] open = FerryFormat.encode(FerryRecord.open(1, 2, "w", "l", TestEndpoints.V4, TestEndpoints.V4, false, 0, 0));
        byte[] shortOpen = framed(Arrays.copyOfRange(open, FerryFormat.FRAME, open.length - 9));  // endpoints cut
        byte[] family = Arrays.copyOfRange(open, FerryFormat.FRAME, open.length);
        family[1 + 1 + 2 + 8 + 8 + 2 + 1 + 2 + 1] = 9;                                        // address family 9
        int at = l.starts()[2];
        List<String> problems = new ArrayList<>();
        List<FerryRecord> got = read(concat(Arrays.copyOf(l.bytes(), at), shortOpen,
                Arrays.copyOfRange(l.bytes(), at, l.starts()[3]), framed(family),
                Arrays.copyOfRange(l.bytes(), l.starts()[3], l.bytes().length)), problems);
        assertEquals(want.stream().map(FerryReaderTest::id).toList(), got.stream().map(FerryReaderTest::id).toList());
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("damaged at offset " + at + " (malformed record: its fields run past the end"
                + " of its body): " + shortOpen.length + " bytes skipped"), problems.get(0));
        assertTrue(problems.get(1).contains("(malformed record: unknown address family 9)"), problems.get(1));
        IOException e = assertThrows(IOException.class, () -> FerryReader.decodeFramed(shortOpen));
        assertEquals("is malformed: its fields run past the end of its body", e.getMessage());
    }

    /** Endpoints for the records above. */
    static final class TestEndpoints {
        static final Endpoint V4 = new Endpoint(Endpoint.IPV4, new byte[] {10, 0, 0, 1}, 4000, "");
    }

    @Test
    void aRecordCutShortAtTheEndIsReportedAsSuch() throws Exception {
        List<FerryRecord> want = records(5, new Random(5), 200);
        Layout l = layout(want);
        List<String> problems = new ArrayList<>();
        List<FerryRecord> got = read(Arrays.copyOf(l.bytes(), l.bytes().length - 3), problems);
        assertEquals(4, got.size());
        assertEquals(List.of(dir.resolve("d.ferry") + ": record at offset " + l.starts()[4] + " cut short at the end of"
                + " the file (" + (l.starts()[5] - 3 - l.starts()[4]) + " bytes: a write in progress or interrupted); it"
                + " is skipped"), problems);
    }

    @Test
    void randomDamageNeverHidesAWholeRecordAndNeverThrows() throws Exception {
        long seed = Long.getLong("ferry.test.seed", System.nanoTime());
        System.out.println("FerryReaderTest.randomDamage seed " + seed + " (to run it again: -Dferry.test.seed="
                + seed + ")");
        Random rnd = new Random(seed);
        for (int round = 0; round < 40; round++) {
            List<FerryRecord> want = records(5 + rnd.nextInt(40), rnd, rnd.nextBoolean() ? 64 : 5000);
            Layout l = layout(want);
            // each record is kept whole, or damaged: torn (a prefix), overwritten in place, or followed by garbage
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            file.write(l.bytes(), 0, l.starts()[0]);
            List<String> whole = new ArrayList<>();
            for (int i = 0; i < want.size(); i++) {
                byte[] rec = Arrays.copyOfRange(l.bytes(), l.starts()[i], l.starts()[i + 1]);
                switch (rnd.nextInt(8)) {
                    case 0 -> {                                                          // torn
                        int cut = 1 + rnd.nextInt(rec.length - 1);
                        // Not just before a 0xf7 byte: the next record's sync would supply it, the torn record
                        // would read whole (its bytes and CRC are the original's) and the next one would lose its
                        // first byte. The bytes themselves are ambiguous there; no reader can tell.
                        while (cut > 0 && rec[cut] == (byte) 0xf7) {
                            cut--;
                        }
                        file.write(rec, 0, cut);
                    }
                    case 1 -> {                                                          // a byte changed
                        rec[rnd.nextInt(rec.length)] ^= (byte) (1 + rnd.nextInt(255));
                        file.writeBytes(rec);
                    }
                    case 2 -> {                                                          // garbage after it
                        file.writeBytes(rec);
                        whole.add(id(want.get(i)));
                        byte[] g = new byte[1 + rnd.nextInt(300)];
                        rnd.nextBytes(g);
                        file.writeBytes(g);
                    }
                    default -> {
                        file.writeBytes(rec);
                        whole.add(id(want.get(i)));
                    }
                }
            }
            List<String> problems = new ArrayList<>();
            List<FerryRecord> got = read(file.toByteArray(), problems);
            assertEquals(whole, got.stream().map(FerryReaderTest::id).toList(), "seed " + seed + " round " + round);
            if (whole.size() < want.size() || file.size() != l.bytes().length) {
                assertTrue(!problems.isEmpty(), "seed " + seed + " round " + round + ": damage is reported");
            }
        }
    }

    @Test
    void whatIsNotAFerryDumpIsRefusedWithOneLine() throws Exception {
        Path f = dir.resolve("x");
        byte[] header = FerryFormat.header(INSTANCE);
        for (byte[] bad : List.of(new byte[0], "FERRY".getBytes(), Arrays.copyOf(header, 10),
                Arrays.copyOf(header, FerryFormat.HEADER_FIXED + 3), "GET / HTTP/1.1\r\n\r\n".getBytes())) {
            Files.write(f, bad);
            IOException e = assertThrows(IOException.class, () -> FerryReader.open(f).close());
            assertTrue(e.getMessage().startsWith(f + ": ") && !e.getMessage().contains("\n"), e.getMessage());
        }
        // a valid header followed by random bytes: read to the end, damage reported, no exception
        long seed = System.nanoTime();
        System.out.println("FerryReaderTest.garbage seed " + seed);
        Random rnd = new Random(seed);
        for (int i = 0; i < 20; i++) {
            byte[] garbage = new byte[rnd.nextInt(20_000)];
            rnd.nextBytes(garbage);
            for (int k = 0; k + 1 < garbage.length; k += 1 + rnd.nextInt(50)) {
                garbage[k] = (byte) 0xf7;       // many sync markers, so that candidates are checked
                garbage[k + 1] = (byte) 0xdc;
            }
            List<String> problems = new ArrayList<>();
            List<FerryRecord> got = read(concat(header, garbage), problems);
            assertEquals(List.of(), got, "seed " + seed);
            assertEquals(garbage.length == 0 ? 0 : 1, problems.size(), "seed " + seed + ": " + problems);
        }
    }

    @Test
    void framedValuesDecodeAloneOrSayWhatIsWrong() {
        FerryRecord r = FerryRecord.data(5, 2, FerryRecord.OUTBOUND, "w", "l", 7, new byte[] {1, 2, 3});
        byte[] v = FerryFormat.encode(r);
        assertEquals(id(r), assertDoesNotThrow(v));
        byte[] bad = v.clone();
        bad[bad.length - 1] ^= 1;
        IOException e = assertThrows(IOException.class, () -> FerryReader.decodeFramed(bad));
        assertEquals("fails its CRC32 check", e.getMessage());
        e = assertThrows(IOException.class, () -> FerryReader.decodeFramed(Arrays.copyOf(v, v.length - 1)));
        assertTrue(e.getMessage().startsWith("announces a body of "), e.getMessage());
        e = assertThrows(IOException.class, () -> FerryReader.decodeFramed(new byte[] {0, 0, 0, 0, 0, 28, 0, 0, 0, 0}));
        assertTrue(e.getMessage().startsWith("does not start with a Ferry record (sync 0000, expected f7dc"), e.getMessage());
    }

    private static String assertDoesNotThrow(byte[] v) {
        try {
            return id(FerryReader.decodeFramed(v));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
