package io.ferry.tcpcopy.dump;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded multi-producer queue without locks: {@link #offer} never blocks and never takes a lock the consumer can
 * hold (an {@code ArrayBlockingQueue} would share one lock between connection threads and the writer). FIFO for
 * each producer thread, hence for each connection.
 */
final class BoundedQueue<T> {

    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;

    BoundedQueue(int capacity) {
        this.capacity = capacity;
    }

    /** Adds {@code item} unless the queue holds {@code capacity} items already. */
    boolean offer(T item) {
        if (size.getAndIncrement() >= capacity) {
            size.decrementAndGet();
            return false;
        }
        queue.offer(item);
        return true;
    }

    T poll() {
        T item = queue.poll();
        if (item != null) {
            size.decrementAndGet();
        }
        return item;
    }

    int size() {
        return Math.max(0, size.get());
    }
}
