package io.ferry.filter.chain;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** R3.5's bookkeeping: one connection per filter instance, without a lock shared by every event loop. */
class FilterAttachmentsTest {

    private static ChainConnection connection(long id) {
        return new ChainConnection(id, ChainConnectionTest.LISTENER, new TestTransport());
    }

    @Test
    void aFilterAttachesToOneConnectionOnly() {
        FilterAttachments a = new FilterAttachments();
        Object filter = new Object();
        ChainConnection one = connection(1);
        assertNull(a.attach(filter, one));
        assertNull(a.attach(filter, one), "the same connection again (a read and write filter)");
        FilterAttachments.Attachment refused = a.attach(filter, connection(2));
        assertEquals(1, refused.connectionId);
        assertSame(one, refused.connection.get());
    }

    @Test
    void attachingTakesNoLockAnotherThreadCanHold() throws Exception {
        FilterAttachments a = new FilterAttachments();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            synchronized (a) {                    // what a chain build on another event loop held before
                held.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        holder.start();
        held.await();
        try {
            CompletableFuture<FilterAttachments.Attachment> f = CompletableFuture.supplyAsync(
                    () -> a.attach(new Object(), connection(3)));
            assertNull(f.get(5, TimeUnit.SECONDS), "attached while another thread holds the object's monitor");
        } finally {
            release.countDown();
            holder.join();
        }
    }

    @Test
    void entriesGoAwayWithTheirFilters() throws Exception {
        FilterAttachments a = new FilterAttachments();
        for (int i = 0; i < 1000; i++) {
            a.attach(new Object(), connection(i));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (a.size() > 10 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
            a.attach(new Object(), connection(0));   // expunges what the collector cleared
        }
        assertEquals(true, a.size() <= 10, "entries left: " + a.size());
    }
}
