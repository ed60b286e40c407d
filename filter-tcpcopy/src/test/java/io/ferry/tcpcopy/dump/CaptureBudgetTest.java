package io.ferry.tcpcopy.dump;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The capture budget's token bucket alone, with a manual clock (nanoseconds passed in). */
class CaptureBudgetTest {

    /** 1 MB/s: the bucket holds four seconds, 4 000 000 bytes. */
    static final long RATE = 1_000_000;
    static final long MS = 1_000_000;
    /** An arbitrary start, negative as System.nanoTime() may be. */
    static final long T0 = -5_000 * MS;

    @Test
    void theBucketHoldsFourSecondsOfBudgetAndAtLeastOneMebibyte() {
        assertEquals(4_000_000, new CaptureBudget(RATE, T0).depthBytes());
        assertEquals(1L << 20, new CaptureBudget(1000, T0).depthBytes());
    }

    @Test
    void aBurstOfConversationsFitsTheDefaultBucket() {
        // issue 11: 4 × 30 KB and 3 × 80 KB conversations, both directions, on the default 1 MiB/s budget
        CaptureBudget b = new CaptureBudget(1L << 20, T0);
        for (int i = 0; i < 4; i++) {
            assertTrue(b.charge(60_000, T0));
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(b.charge(160_000, T0));
        }
        assertTrue(b.level(T0) > 0.5, "after 720 KB the bucket is still more than half full: " + b.level(T0));
    }

    @Test
    void theLevelFallsAsBytesAreChargedGoesIntoDebtAndRefills() {
        CaptureBudget b = new CaptureBudget(RATE, T0);
        assertEquals(1.0, b.level(T0), 1e-9);
        assertTrue(b.charge(2_000_000, T0));
        assertEquals(0.5, b.level(T0), 1e-6);
        assertTrue(b.charge(3_000_000, T0));
        assertEquals(-0.25, b.level(T0), 1e-6, "in debt");
        assertEquals(0.0, b.level(T0 + 1000 * MS), 1e-6, "a second later one second's budget came back");
        assertEquals(1.0, b.level(T0 + 10_000 * MS), 1e-6, "and it never holds more than full");
    }

    @Test
    void aChargeThatWouldGoDeeperThanOneMoreBucketIsRefusedAndChargesNothing() {
        CaptureBudget b = new CaptureBudget(RATE, T0);
        assertTrue(b.charge(7_999_000, T0));
        assertTrue(b.charge(1_000, T0), "the bucket and one more, minus a byte, spent: charged");
        assertFalse(b.charge(1, T0), "debt of one bucket reached");
        double before = b.level(T0);
        assertFalse(b.charge(1000, T0));
        assertEquals(before, b.level(T0), 1e-12, "a refused charge costs nothing");
        assertTrue(b.charge(1000, T0 + 2 * MS), "refilled a little");
    }

    @Test
    void concurrentChargesNeverLoseBytes() throws Exception {
        CaptureBudget b = new CaptureBudget(RATE, T0);
        int threads = 4;
        int each = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                go.await();
                int admitted = 0;
                for (int i = 0; i < each; i++) {
                    if (b.charge(100, T0)) {
                        admitted++;
                    }
                }
                return admitted;
            }));
        }
        go.countDown();
        int admitted = 0;
        for (Future<Integer> f : results) {
            admitted += f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(threads * each, admitted, "4 MB in all: within the debt limit");
        assertEquals(1.0 - 4_000_000.0 / 4_000_000, b.level(T0), 1e-6, "every byte charged exactly once");
    }

    @Test
    void rejectsRatesOutsideItsRange() {
        assertThrows(IllegalArgumentException.class, () -> new CaptureBudget(0, T0));
        assertThrows(IllegalArgumentException.class, () -> new CaptureBudget((1L << 40) + 1, T0));
    }
}
