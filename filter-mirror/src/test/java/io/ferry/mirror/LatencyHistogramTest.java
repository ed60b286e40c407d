package io.ferry.mirror;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyHistogramTest {

    @Test
    void bucketsCoverEveryValueInOrderAndPercentilesAreWithinTheirResolution() {
        for (int i = 1; i < 36 * 16; i++) {
            assertTrue(LatencyHistogram.lowerBound(i) > LatencyHistogram.lowerBound(i - 1), "bucket " + i);
            assertEquals(i, LatencyHistogram.index(LatencyHistogram.lowerBound(i)), "bucket " + i);
            assertEquals(i - 1, LatencyHistogram.index(LatencyHistogram.lowerBound(i) - 1), "bucket " + i);
        }
        long seed = System.nanoTime();
        Random r = new Random(seed);
        LatencyHistogram h = new LatencyHistogram();
        long[] values = new long[10_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) Math.exp(r.nextDouble() * 18);          // 1 µs to about 65 s
            h.record(values[i] * 1000);
        }
        Arrays.sort(values);
        for (double p : new double[] {50, 90, 99, 99.9}) {
            long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
            long got = h.percentile(p);
            assertTrue(got <= exact && exact - got <= Math.max(1, exact / 16),
                    "p" + p + ": " + got + " for " + exact + " (seed " + seed + ")");
        }
        assertEquals(values.length, h.count());
        assertEquals(-1, new LatencyHistogram().percentile(50));
    }
}
