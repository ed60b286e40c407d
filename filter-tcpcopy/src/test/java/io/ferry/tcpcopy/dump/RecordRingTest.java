package io.ferry.tcpcopy.dump;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordRingTest {

    private static final CaptureStats STATS = new CaptureStats();

    private static boolean offer(RecordRing ring, long value) {
        long pos = ring.claim();
        if (pos < 0) {
            return false;
        }
        Slot s = ring.slot(pos);
        s.stats = STATS;
        s.timeMicros = value;
        ring.publish(pos);
        return true;
    }

    private static Long poll(RecordRing ring) {
        Slot s = ring.peek();
        if (s == null) {
            return null;
        }
        long v = s.timeMicros;
        ring.release();
        return v;
    }

    @Test
    void holdsExactlyItsCapacityInOrderAndFreesSlotsAsTheyAreReleased() {
        RecordRing ring = new RecordRing(3);                 // not a power of two on purpose
        assertNull(ring.peek());
        assertTrue(offer(ring, 1));
        assertTrue(offer(ring, 2));
        assertTrue(offer(ring, 3));
        assertEquals(-1, ring.claim(), "full at its capacity");
        assertEquals(3, ring.size());
        assertEquals(1L, poll(ring));
        assertTrue(offer(ring, 5), "a released slot is free again");
        assertEquals(-1, ring.claim());
        assertEquals(List.of(2L, 3L, 5L), List.of(poll(ring), poll(ring), poll(ring)));
        assertNull(ring.peek());
        assertEquals(0, ring.size());
        for (int i = 0; i < 10; i++) {                      // around the ring many times
            assertTrue(offer(ring, i));
            assertEquals(i, poll(ring));
        }
    }

    @Test
    void anUnpublishedClaimHoldsTheWriterBackUntilPublishedAndReleaseForgetsTheRecord() {
        RecordRing ring = new RecordRing(4);
        long first = ring.claim();
        assertTrue(offer(ring, 7));
        assertNull(ring.peek(), "the oldest position is claimed but not published yet");
        Slot s = ring.slot(first);
        s.stats = STATS;
        s.window = "w";
        ring.publish(first);
        assertSame(s, ring.peek());
        ring.release();
        assertNull(s.window, "a released slot keeps no reference to its record");
        assertEquals(7L, poll(ring));
    }

    @Test
    void slotsKeepSmallPayloadBuffersWithinEightMebibytesInAll() {
        assertEquals(2048, Slot.retainFor(4096), "the default capacity: reads of up to 2 KiB");
        assertEquals(8, Slot.retainFor(1 << 20), "the largest capacity keeps 8 bytes a slot");
        Slot s = new Slot(Slot.retainFor(4096));
        byte[] small = s.buffer(100);
        assertSame(small, s.buffer(90), "a small payload reuses the slot's buffer");
        byte[] grown = s.buffer(2048);
        assertSame(grown, s.buffer(2000));
        assertTrue(s.buffer(2049) != s.buffer(2049), "a larger one gets an array of its own each time");
    }

    @Test
    void aPositionPublishedWithoutBeingFilledIsAnEmptySlot() {
        RecordRing ring = new RecordRing(2);
        ring.publish(ring.claim());
        Slot s = ring.peek();
        assertNull(s.stats, "the writer skips it");
        ring.release();
        assertNull(ring.peek());
    }

    /**
     * Four producers race one consumer through a small ring: every accepted record arrives exactly once, in its
     * producer's order.
     */
    @Test
    void concurrentProducersLoseNothingAcceptedAndKeepTheirOwnOrder() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int producers = 4;
            int perProducer = 200_000;
            RecordRing ring = new RecordRing(64);
            AtomicLong accepted = new AtomicLong();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                long id = p;
                Thread t = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (long i = 0; i < perProducer; i++) {
                        if (offer(ring, id << 32 | i)) {
                            accepted.incrementAndGet();
                        }
                    }
                });
                t.start();
                threads.add(t);
            }
            long[] last = new long[producers];
            java.util.Arrays.fill(last, -1);
            long received = 0;
            start.countDown();
            while (threads.stream().anyMatch(Thread::isAlive) || ring.size() > 0) {
                Long v = poll(ring);
                if (v == null) {
                    Thread.onSpinWait();
                    continue;
                }
                int p = (int) (v >>> 32);
                long i = v & 0xffffffffL;
                assertTrue(i > last[p], "producer " + p + ": " + i + " after " + last[p]);
                last[p] = i;
                received++;
            }
            assertEquals(accepted.get(), received);
            assertTrue(received > 0);
        });
    }

    @Test
    void aClosedRingClaimsNothingAndCountsEveryPositionClaimedBefore() {
        RecordRing ring = new RecordRing(8);
        long a = ring.claim();
        long b = ring.claim();
        ring.publish(a);
        assertEquals(2, ring.close(), "two positions claimed before the close");
        assertEquals(-1, ring.claim(), "nothing after it");
        assertEquals(2, ring.close(), "closing again changes nothing");
        ring.publish(b);                                  // a producer that claimed before the close publishes
        assertEquals(2, ring.size());
        assertTrue(ring.peek() != null);
        ring.release();
        assertTrue(ring.peek() != null, "the late publication is seen");
        ring.release();
        assertEquals(2, ring.released());
    }
}
