package io.ferry.tcpcopy.dump;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoundedQueueTest {

    @Test
    void holdsExactlyItsCapacityInOrderAndFreesSlotsAsTheyAreTaken() {
        BoundedQueue<Integer> q = new BoundedQueue<>(3);   // not a power of two on purpose
        assertNull(q.poll());
        assertTrue(q.offer(1));
        assertTrue(q.offer(2));
        assertTrue(q.offer(3));
        assertFalse(q.offer(4), "full at its capacity");
        assertEquals(3, q.size());
        assertEquals(1, q.poll());
        assertTrue(q.offer(5), "a taken slot is free again");
        assertFalse(q.offer(6));
        assertEquals(List.of(2, 3, 5), List.of(q.poll(), q.poll(), q.poll()));
        assertNull(q.poll());
        assertEquals(0, q.size());
        for (int i = 0; i < 10; i++) {                     // around the ring many times
            assertTrue(q.offer(i));
            assertEquals(i, q.poll());
        }
    }

    /**
     * Four producers race one consumer through a small ring: every accepted item arrives exactly once, in its
     * producer's order, and every refused one was refused because the ring was full.
     */
    @Test
    void concurrentProducersLoseNothingAcceptedAndKeepTheirOwnOrder() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int producers = 4;
            int perProducer = 200_000;
            BoundedQueue<long[]> q = new BoundedQueue<>(64);
            AtomicLong accepted = new AtomicLong();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                Thread t = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perProducer; i++) {
                        if (q.offer(new long[]{id, i})) {
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
            while (threads.stream().anyMatch(Thread::isAlive) || q.size() > 0) {
                long[] item = q.poll();
                if (item == null) {
                    Thread.onSpinWait();
                    continue;
                }
                int p = (int) item[0];
                assertTrue(item[1] > last[p], "producer " + p + ": " + item[1] + " after " + last[p]);
                last[p] = item[1];
                received++;
            }
            for (Thread t : threads) {
                t.join();
            }
            for (long[] item; (item = q.poll()) != null; ) {
                received++;
            }
            assertEquals(accepted.get(), received);
            assertTrue(received > 0);
        });
    }
}
