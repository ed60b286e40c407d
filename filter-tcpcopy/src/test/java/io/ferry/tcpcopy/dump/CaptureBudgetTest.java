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

/** The token bucket alone, with a manual clock (nanoseconds passed in). */
class CaptureBudgetTest {

    /** 1 MB/s: the bucket holds 100 000 bytes (a tenth of a second). */
    static final long RATE = 1_000_000;
    static final long MS = 1_000_000;
    /** An arbitrary start, negative as System.nanoTime() may be. */
    static final long T0 = -5_000 * MS;

    @Test
    void aFullBucketAdmitsATenthOfASecondsBudgetThenRefuses() {
        CaptureBudget b = new CaptureBudget(RATE, T0);
        for (int i = 0; i < 100; i++) {
            assertTrue(b.tryAcquire(1000, T0), "record " + i + " is within the 100 000-byte bucket");
        }
        assertFalse(b.tryAcquire(1, T0), "the bucket is empty");
        assertFalse(b.tryAcquire(1000, T0));
    }

    @Test
    void refillsAtTheBudgetsRate() {
        CaptureBudget b = new CaptureBudget(RATE, T0);
        assertTrue(b.tryAcquire(100_000, T0));
        assertFalse(b.tryAcquire(1, T0));
        assertTrue(b.tryAcquire(1000, T0 + 1), "1 ns of credit admits a whole record: the debt is one record at most");
        assertFalse(b.tryAcquire(1, T0 + 1));
        long t = T0 + 11 * MS;                         // 11 ms at 1 MB/s = 11 000 bytes, 1000 of them spent already
        for (int i = 0; i < 10; i++) {
            assertTrue(b.tryAcquire(1000, t), "refilled record " + i);
        }
        assertFalse(b.tryAcquire(1, t));
        // a long quiet spell refills the bucket, but never beyond a tenth of a second's budget
        t += 60_000 * MS;
        int admitted = 0;
        while (b.tryAcquire(1000, t)) {
            admitted++;
        }
        assertEquals(100, admitted);
    }

    @Test
    void sustainedRateIsTheBudget() {
        CaptureBudget b = new CaptureBudget(RATE, T0);
        long admitted = 0;
        for (long t = T0; t < T0 + 10_000 * MS; t += 50_000) {   // 10 s, offered at 20 MB/s (1000 B per 50 µs)
            if (b.tryAcquire(1000, t)) {
                admitted += 1000;
            }
        }
        // 10 s × 1 MB/s, plus the initial bucket (100 000), minus nothing: within one record
        assertTrue(admitted >= 10_100_000 - 1000 && admitted <= 10_100_000 + 1000, "admitted " + admitted);
    }

    @Test
    void aRecordLargerThanTheBucketIsAdmittedWhenTheBucketIsFullAndChargedInFull() {
        CaptureBudget b = new CaptureBudget(RATE, T0);
        assertTrue(b.tryAcquire(300_000, T0), "bigger than the bucket, but the bucket is full");
        assertFalse(b.tryAcquire(1, T0 + 199 * MS), "charged 300 ms of budget: in debt until then");
        assertTrue(b.tryAcquire(1, T0 + 201 * MS));
    }

    @Test
    void concurrentProducersNeverOverspend() throws Exception {
        CaptureBudget b = new CaptureBudget(RATE, T0);
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Long>> done = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            done.add(pool.submit(() -> {
                go.await();
                long bytes = 0;
                for (int k = 0; k < 50_000; k++) {
                    if (b.tryAcquire(100, T0)) {
                        bytes += 100;
                    }
                }
                return bytes;
            }));
        }
        go.countDown();
        long total = 0;
        for (Future<Long> f : done) {
            total += f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(100_000, total, "exactly the bucket: no lost or doubled charge under contention");
    }

    @Test
    void rejectsRatesOutsideItsRange() {
        assertThrows(IllegalArgumentException.class, () -> new CaptureBudget(0, T0));
        assertThrows(IllegalArgumentException.class, () -> new CaptureBudget((1L << 40) + 1, T0));
        CaptureBudget max = new CaptureBudget(1L << 40, T0);
        assertTrue(max.tryAcquire(Integer.MAX_VALUE, T0), "no overflow at the largest rate and record");
    }
}
