package io.ferry.mirror;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResponseComparisonTest {

    /** Feeds both streams in random chunks, in a random interleaving of the two sides. */
    private static Verdict compare(byte[] primary, byte[] shadow, int window, Random r) {
        ResponseComparison c = new ResponseComparison(window);
        int p = 0;
        int s = 0;
        while (p < primary.length || s < shadow.length) {
            boolean takePrimary = s >= shadow.length || (p < primary.length && r.nextBoolean());
            if (takePrimary) {
                int n = Math.min(primary.length - p, 1 + r.nextInt(r.nextBoolean() ? 7 : 3000));
                c.primary(primary, p, n);
                p += n;
            } else {
                int n = Math.min(shadow.length - s, 1 + r.nextInt(r.nextBoolean() ? 7 : 3000));
                c.shadow(shadow, s, n);
                s += n;
            }
        }
        return c.verdict(null);
    }

    @Test
    void everyKindOfAnswerGetsItsVerdictAtTheExactOffsetWhateverTheChunksAndTheirOrder() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        String repro = " (seed " + seed + ")";
        for (int round = 0; round < 2000; round++) {
            int window = r.nextBoolean() ? 1 << 20 : 1 + r.nextInt(64);
            byte[] primary = new byte[r.nextInt(20_000)];
            r.nextBytes(primary);
            String at = "round " + round + ", window " + window + repro;
            switch (r.nextInt(4)) {
                case 0 -> {
                    Verdict v = compare(primary, primary.clone(), window, r);
                    assertEquals(Verdict.Kind.MATCHED, v.kind(), at + ": " + v);
                    assertEquals(primary.length, v.primaryBytes());
                }
                case 1 -> {
                    if (primary.length == 0) {
                        continue;
                    }
                    byte[] shadow = primary.clone();
                    int n = r.nextInt(primary.length);
                    shadow[n] ^= (byte) (1 + r.nextInt(255));
                    Verdict v = compare(primary, shadow, window, r);
                    if (v.kind() == Verdict.Kind.DIFFERS) {
                        assertEquals(n, v.offset(), at + ": " + v);
                        String want = HexFormat.of().formatHex(primary, n, Math.min(primary.length, n + 16));
                        String got = v.primaryExcerpt();
                        assertEquals(want.substring(0, 2), got.substring(0, 2), at + ": the excerpt starts there");
                        assertEquals(want.substring(0, got.length()), got, at);
                        assertEquals(HexFormat.of().formatHex(shadow, n, n + 1), v.shadowExcerpt().substring(0, 2), at);
                    } else {
                        assertEquals(Verdict.Kind.DIFFERS_BEYOND, v.kind(), at + ": " + v);
                        assertEquals(true, v.offset() <= n, at + ": equal up to " + v.offset() + " only if before " + n);
                    }
                }
                case 2 -> {
                    int n = primary.length == 0 ? 0 : r.nextInt(primary.length);
                    Verdict v = compare(primary, Arrays.copyOf(primary, n), window, r);
                    assertEquals(n == primary.length ? Verdict.Kind.MATCHED : Verdict.Kind.SHADOW_SHORTER, v.kind(),
                            at + ": " + v);
                    assertEquals(n, v.shadowBytes());
                }
                default -> {
                    byte[] shadow = Arrays.copyOf(primary, primary.length + 1 + r.nextInt(100));
                    Verdict v = compare(primary, shadow, window, r);
                    assertEquals(Verdict.Kind.SHADOW_LONGER, v.kind(), at + ": " + v);
                }
            }
        }
    }

    @Test
    void withinTheWindowTheDifferenceIsFoundWhicheverSideArrivesFirst() {
        byte[] primary = "HTTP/1.1 200 OK\r\nServer: a\r\n".getBytes();
        byte[] shadow = "HTTP/1.1 200 OK\r\nServer: b\r\n".getBytes();
        for (boolean primaryFirst : new boolean[] {true, false}) {
            ResponseComparison c = new ResponseComparison(1024);
            if (primaryFirst) {
                c.primary(primary, 0, primary.length);
                c.shadow(shadow, 0, shadow.length);
            } else {
                c.shadow(shadow, 0, shadow.length);
                c.primary(primary, 0, primary.length);
            }
            Verdict v = c.verdict(null);
            assertEquals(Verdict.Kind.DIFFERS, v.kind());
            assertEquals(25, v.offset());
            assertEquals("610d0a", v.primaryExcerpt());
            assertEquals("620d0a", v.shadowExcerpt());
            assertEquals("differs at byte 25 (primary 610d0a, shadow 620d0a; 28 B vs 28 B)", v.toString());
        }
    }

    @Test
    void aSideFarAheadIsNotHeldButChecksummedAndTheVerdictSaysSo() {
        byte[] primary = new byte[100_000];
        new Random(5).nextBytes(primary);
        ResponseComparison c = new ResponseComparison(4096);
        c.primary(primary, 0, primary.length);                // far ahead: never more than 4 KiB held
        c.shadow(primary, 0, primary.length);
        Verdict v = c.verdict(null);
        assertEquals(Verdict.Kind.MATCHED, v.kind());
        assertEquals(0, v.comparedUpTo());
        byte[] other = primary.clone();
        other[70_000] ^= 1;
        c = new ResponseComparison(4096);
        c.shadow(other, 0, 1000);
        c.primary(primary, 0, primary.length);
        c.shadow(other, 1000, other.length - 1000);
        v = c.verdict(null);
        assertEquals(Verdict.Kind.DIFFERS_BEYOND, v.kind(), v.toString());
        assertEquals(1000, v.offset());
    }

    @Test
    void aFailedShadowIsReportedAsSuchNotAsADifference() {
        ResponseComparison c = new ResponseComparison(16);
        c.primary(new byte[] {1, 2, 3}, 0, 3);
        c.shadow(new byte[] {1}, 0, 1);
        Verdict v = c.verdict("reset");
        assertEquals(Verdict.Kind.SHADOW_FAILED, v.kind());
        assertEquals("shadow failed: reset (after 1 B of 3 B)", v.toString());
        assertThrows(IllegalArgumentException.class, () -> new ResponseComparison(0));
    }
}
