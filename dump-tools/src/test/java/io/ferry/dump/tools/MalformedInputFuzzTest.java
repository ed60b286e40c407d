package io.ferry.dump.tools;

import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.Selection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random mutations of valid dumps of each format (Ferry, pcapng, Layotto): cut short, bytes flipped, garbage inserted
 * or appended, lines and blocks overwritten. Every outcome of reading ({@link Capture#scan}), inspecting
 * ({@link Inspect}), converting ({@link PcapConverter}) and spooling for replay must be a successful read (damage
 * reported in {@link Capture#problems()} as one line each, naming the file) or an {@link IOException} with a one-line
 * message naming the file; never another exception, never a hang. The seed is printed; {@code -Dferry.fuzz.seed=N}
 * repeats a run, {@code -Dferry.fuzz.rounds=N} runs longer.
 */
class MalformedInputFuzzTest {

    @TempDir
    Path dir;

    @Test
    void mutatedDumpsGiveOneLineErrorsNeverAnotherException() throws Exception {
        long seed = Long.getLong("ferry.fuzz.seed", System.nanoTime());
        int rounds = Integer.getInteger("ferry.fuzz.rounds", 150);
        System.out.println("MalformedInputFuzzTest seed " + seed + " (-Dferry.fuzz.seed=" + seed + " repeats it)");
        Random rnd = new Random(seed);
        byte[] ferry = ferryDump();
        byte[] pcapng = pcapngOf(ferry);
        byte[] layotto = Files.readAllBytes(DumpGenerator.layotto(dir.resolve("seed.log"), 40));
        List<byte[]> valid = List.of(ferry, pcapng, layotto);
        String[] names = {"f.ferry", "f.pcapng", "dump_tcp_copy.log"};
        int errors = 0;
        int reads = 0;
        for (int round = 0; round < rounds; round++) {
            int kind = round % 3;
            byte[] mutated = mutate(valid.get(kind), rnd);
            Path f = dir.resolve(round + "-" + names[kind]);
            Files.write(f, mutated);
            String what = "seed " + seed + " round " + round + " (" + names[kind] + ", " + mutated.length + " bytes)";
            boolean ok = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> outcome(f, what), what);
            if (ok) {
                reads++;
            } else {
                errors++;
            }
            Files.delete(f);
        }
        System.out.println("MalformedInputFuzzTest: " + reads + " read (damage reported), " + errors
                + " refused with a one-line error");
        assertTrue(reads > 0, "some mutations are still readable");
    }

    /** True if read (and inspected, converted, spooled), false if refused with a one-line IOException. */
    private static boolean outcome(Path f, String what) {
        try {
            Capture c = Capture.scan(f.toString(), Selection.ALL, true);
            for (String p : c.problems()) {
                oneLine(p, f, what);
            }
            Inspect.print(c, new PrintStream(OutputStream.nullOutputStream()));
            PcapConverter.convert(c, OutputStream.nullOutputStream());
            try (ReplaySpool s = ReplaySpool.build(c, k -> true)) {
                assertTrue(s.bytes() >= 0);
            }
            return true;
        } catch (IOException e) {
            oneLine(e.getMessage(), f, what);
            return false;
        } catch (RuntimeException | Error e) {
            ByteArrayOutputStream trace = new ByteArrayOutputStream();
            e.printStackTrace(new PrintStream(trace, true));
            fail(what + ": " + e + "\n" + trace);
            return false;
        }
    }

    private static void oneLine(String message, Path f, String what) {
        assertTrue(message != null && !message.isBlank(), what + ": an empty message");
        assertFalse(message.contains("\n"), what + ": more than one line: " + message);
        assertTrue(message.contains(f.toString()), what + ": does not name the file: " + message);
    }

    /** Cut short, bytes flipped, garbage inserted, a range overwritten, or garbage appended (sometimes several). */
    static byte[] mutate(byte[] valid, Random rnd) {
        byte[] b = valid.clone();
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            switch (rnd.nextInt(5)) {
                case 0 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                case 1 -> {
                    for (int k = 1 + rnd.nextInt(8); k > 0 && b.length > 0; k--) {
                        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 2 -> {
                    int at = rnd.nextInt(b.length + 1);
                    byte[] g = garbage(rnd);
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    o.write(b, 0, at);
                    o.writeBytes(g);
                    o.write(b, at, b.length - at);
                    b = o.toByteArray();
                }
                case 3 -> {
                    if (b.length > 0) {
                        int at = rnd.nextInt(b.length);
                        byte[] g = garbage(rnd);
                        System.arraycopy(g, 0, b, at, Math.min(g.length, b.length - at));
                    }
                }
                default -> {
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    o.writeBytes(b);
                    o.writeBytes(garbage(rnd));
                    b = o.toByteArray();
                }
            }
        }
        return b;
    }

    private static byte[] garbage(Random rnd) {
        byte[] g = new byte[1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 600)];
        rnd.nextBytes(g);
        if (rnd.nextInt(4) == 0) {      // plausible-looking: sync bytes, block types, lengths
            g[0] = (byte) 0xF7;
            if (g.length > 1) {
                g[1] = (byte) 0xDC;
            }
        }
        return g;
    }

    /** A small Ferry dump with every kind of record and status. */
    private static byte[] ferryDump() {
        TestDumps d = new TestDumps();
        TestDumps.Conn a = d.conn(1, "w1", "l", 50001).open();
        TestDumps.Conn b = d.conn(2, "w1", "l", 50002).open();
        a.in(TestDumps.bytes("a", 300));
        b.in(TestDumps.bytes("b", 70));
        a.out(TestDumps.bytes("a", 300));
        b.out(TestDumps.bytes("b", 20)).truncated(90);
        a.close();
        d.refused("w1", "l", "rate_limit", 3);
        TestDumps.Conn c = d.conn(3, "w2", "l", 50003).open(true, 100, 50);
        c.in(TestDumps.bytes("c", 40)).skip(FerryRecord.OUTBOUND, 10).out(TestDumps.bytes("c", 5)).abandoned("memory");
        d.dropped("w2", "l", "queue_full", 2);
        d.conn(4, "w2", "l", 50004).open().in(TestDumps.bytes("d", 9));
        return TestDumps.file("fuzz/1/00000001", d.records());
    }

    private byte[] pcapngOf(byte[] ferry) throws IOException {
        Path f = dir.resolve("seed.ferry");
        Files.write(f, ferry);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        PcapConverter.convert(Capture.read(f), o);
        return o.toByteArray();
    }

    @Test
    void aPcapngDumpReadsBackAsTheConnectionsItWasMadeOf() throws Exception {
        Path f = dir.resolve("seed.ferry");
        Files.write(f, ferryDump());
        Capture original = Capture.read(f);
        Path p = dir.resolve("dump_tcp_copy.pcapng");
        Files.write(p, pcapngOf(ferryDump()));
        Capture back = Capture.read(dir.toString(), Selection.ALL);
        assertEquals("pcapng", back.format());
        assertEquals(List.of(), back.problems());
        assertEquals(original.connections().keySet(), back.connections().keySet());
        for (Capture.Conn k : original.connections().values()) {
            Capture.Conn b = back.connections().get(k.id);
            assertEquals(new String(k.bytes(FerryRecord.INBOUND)), new String(b.bytes(FerryRecord.INBOUND)), "in " + k.id);
            assertEquals(new String(k.bytes(FerryRecord.OUTBOUND)), new String(b.bytes(FerryRecord.OUTBOUND)), "out " + k.id);
            assertEquals(k.status().end(), b.status().end(), "end of " + k.id);
            assertEquals(k.remote, b.remote, "client of " + k.id);
        }
        assertEquals("complete", back.connections().get(1L).status().text());
        assertEquals(original.connections().get(2L).status().text(), back.connections().get(2L).status().text());
        List<String> texts = new ArrayList<>();
        back.connections().values().forEach(k -> texts.add(k.id + " " + k.status().text()));
        assertTrue(texts.get(2).contains("abandoned") && texts.get(2).contains("memory"), texts.toString());
        assertTrue(texts.get(3).contains("open when the dump ends"), texts.toString());
    }
}
