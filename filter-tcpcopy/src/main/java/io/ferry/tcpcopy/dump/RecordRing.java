package io.ferry.tcpcopy.dump;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The writer's bounded queue: a ring of preallocated {@link Slot}s that connection threads fill in place and the
 * writer thread empties (D. Vyukov's bounded multi-producer queue, with one consumer). In steady state queuing a
 * record allocates nothing: a small payload is copied into its slot's own buffer. A slot is created the first time
 * its position is claimed, so a large capacity costs memory only once that many records were queued at once.
 *
 * <h2>Protocol</h2>
 * A producer {@link #claim}s a position (one compare-and-set on the tail; {@code -1} when the ring is full), fills
 * {@link #slot}{@code (position)}, which no other thread touches until it is published, and {@link #publish}es it.
 * It must publish every position it claimed, even if filling failed (then with {@link Slot#clear} first, which the
 * writer skips): an unpublished position would stop the writer there. The writer {@link #peek}s the oldest slot
 * (null until it is published), writes it, and {@link #release}s it.
 *
 * <p>Slot {@code i} carries a sequence number: {@code p} when it is free for position {@code p}, {@code p + 1}
 * once that position is published, {@code p + capacity} once the writer released it. Publishing sets it with release
 * semantics after the slot's fields are written; the writer reads it with acquire semantics before them.
 *
 * <h2>Threading</h2>
 * {@link #claim}, {@link #slot} and {@link #publish} on any thread; {@link #peek} and {@link #release} on the writer
 * thread only; {@link #size} on any thread. No locks. FIFO for each producer thread, hence for each connection.
 */
final class RecordRing {

    private final int capacity;
    /** Created by the producer that first claims the position; published to the writer with the sequence. */
    private final Slot[] slots;
    private final int retain;
    private final AtomicLongArray sequences;
    /** Set in {@link #tail} once the ring is closed: no position is claimed after it. */
    private static final long CLOSED = 1L << 62;
    private final AtomicLong tail = new AtomicLong();
    /** Written by the writer thread only; volatile for {@link #size}. */
    private volatile long head;

    RecordRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: at least 1)");
        }
        this.capacity = capacity;
        this.slots = new Slot[capacity];
        this.retain = Slot.retainFor(capacity);
        this.sequences = new AtomicLongArray(capacity);
        for (int i = 0; i < capacity; i++) {
            sequences.setPlain(i, i);
        }
    }

    /** Claims the next position, or returns -1 if the ring holds {@code capacity} records already. */
    long claim() {
        return claim(capacity);
    }

    /**
     * Claims the next position only while fewer than {@code limit} records are queued (the data records of the
     * capture leave the rest of the ring to the records that end captures); -1 otherwise.
     */
    long claim(int limit) {
        long pos = tail.get();
        while (true) {
            if ((pos & CLOSED) != 0 || pos - head >= limit) {
                return -1;
            }
            long free = sequences.getAcquire(index(pos)) - pos;
            if (free == 0) {
                if (tail.compareAndSet(pos, pos + 1)) {
                    return pos;
                }
            } else if (free < 0) {
                return -1;                     // the writer has not released this slot yet: full
            }
            pos = tail.get();                  // another producer took this position
        }
    }

    /** The slot of a claimed position; the claiming thread's alone until {@link #publish}. */
    Slot slot(long position) {
        int i = index(position);
        Slot s = slots[i];
        if (s == null) {
            s = new Slot(retain);
            slots[i] = s;
        }
        return s;
    }

    /** Hands a claimed, filled slot to the writer. */
    void publish(long position) {
        slot(position);                        // exists even if its producer never filled it
        sequences.setRelease(index(position), position + 1);
    }

    /** The oldest published slot, or null if there is none (or its producer has not published it yet). */
    Slot peek() {
        long pos = head;
        int i = index(pos);
        return sequences.getAcquire(i) == pos + 1 ? slots[i] : null;
    }

    /** Frees the slot {@link #peek} returned, for a producer to claim again. */
    void release() {
        long pos = head;
        int i = index(pos);
        slots[i].clear();
        sequences.setRelease(i, pos + capacity);
        head = pos + 1;
    }

    /** Positions claimed so far (the next position to claim). */
    long claimed() {
        return tail.get() & ~CLOSED;
    }

    /**
     * Closes the ring: every later {@link #claim} fails. Returns the number of positions claimed before, all of
     * which their producers publish (a producer never blocks between claim and publish), so the writer drains up to
     * it and no claimed record is ever stranded.
     */
    long close() {
        while (true) {
            long t = tail.get();
            if ((t & CLOSED) != 0 || tail.compareAndSet(t, t | CLOSED)) {
                return t & ~CLOSED;
            }
        }
    }

    /** Positions released by the writer so far. */
    long released() {
        return head;
    }

    /** Records claimed and not yet released; exact when no producer is between claim and publish. */
    int size() {
        long h = head;
        return (int) Math.max(0, Math.min(capacity, claimed() - h));
    }

    int capacity() {
        return capacity;
    }

    private int index(long position) {
        return (int) (position % capacity);
    }
}
