package io.ferry.tcpcopy.dump;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded multi-producer, single-consumer queue on a preallocated ring (D. Vyukov's bounded queue):
 * {@link #offer} never blocks, takes no lock the consumer can hold (an {@code ArrayBlockingQueue} would share one lock
 * between connection threads and the writer) and allocates nothing. FIFO for each producer thread, hence for each
 * connection.
 *
 * <h2>How</h2>
 * Slot {@code i} carries a sequence number: {@code p} when it is free for the item of position {@code p}, {@code p + 1}
 * once that item is in it, {@code p + capacity} once the consumer took it. A producer claims a position with one
 * compare-and-set on the tail, stores the item, then publishes it by setting the slot's sequence (a release); the
 * consumer reads the sequence (an acquire) before the item. A producer that finds the slot of its position not yet
 * freed reports the queue full.
 *
 * <h2>Threading</h2>
 * {@link #offer} from any thread; {@link #poll} from one consumer thread only; {@link #size} from any thread.
 */
final class BoundedQueue<T> {

    private final int capacity;
    private final AtomicReferenceArray<T> items;
    private final AtomicLongArray sequences;
    private final AtomicLong tail = new AtomicLong();
    /** Written by the consumer only; volatile for {@link #size}. */
    private volatile long head;

    BoundedQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: at least 1)");
        }
        this.capacity = capacity;
        this.items = new AtomicReferenceArray<>(capacity);
        this.sequences = new AtomicLongArray(capacity);
        for (int i = 0; i < capacity; i++) {
            sequences.setPlain(i, i);
        }
    }

    /** Adds {@code item} unless the queue holds {@code capacity} items already. */
    boolean offer(T item) {
        long pos = tail.get();
        while (true) {
            int slot = (int) (pos % capacity);
            long free = sequences.getAcquire(slot) - pos;
            if (free == 0) {
                if (tail.compareAndSet(pos, pos + 1)) {
                    items.setPlain(slot, item);
                    sequences.setRelease(slot, pos + 1);
                    return true;
                }
                pos = tail.get();
            } else if (free < 0) {
                return false;                  // the consumer has not freed this slot: full
            } else {
                pos = tail.get();              // another producer took this position
            }
        }
    }

    /** The oldest item, or null if there is none (or its producer has not finished publishing it). */
    T poll() {
        long pos = head;
        int slot = (int) (pos % capacity);
        if (sequences.getAcquire(slot) != pos + 1) {
            return null;
        }
        T item = items.getPlain(slot);
        items.setPlain(slot, null);
        sequences.setRelease(slot, pos + capacity);
        head = pos + 1;
        return item;
    }

    /** Items queued (claimed by a producer and not yet taken); exact when no producer is in {@link #offer}. */
    int size() {
        long h = head;
        return (int) Math.max(0, Math.min(capacity, tail.get() - h));
    }
}
