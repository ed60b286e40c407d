package io.ferry.tcpcopy.dump;

import io.ferry.filter.api.IoBuffer;
import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.record.FerryRecord;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The hand-off between the threads that capture (connection threads, portrait uploads) and the one writer thread of a
 * dump directory: the {@link RecordRing} of preallocated {@link Slot}s, the {@link CaptureGate} that bounds what it
 * holds in bytes, rate and slots, and the signals between both sides (waking the writer, its clock, how far it got,
 * its stop).
 *
 * <h2>Producers</h2>
 * {@code submit*} claim a slot (one compare-and-set), copy the record into it and publish it: they never block, never
 * do I/O and take no lock. A data record is submitted only after its bytes were reserved from the gate
 * ({@link CaptureGate#reserve}); one that finds the queue's data share full is refused, its reservation given back, and
 * its connection ends its capture ({@link ShedReason#QUEUE_FULL}). The records that open and end captures may use the
 * whole ring. Producers do not wake the writer for each record: only the first that finds the ring half full while
 * the writer sleeps does.
 *
 * <h2>Stopping</h2>
 * {@link #stop} makes every later {@code submit*} fail. A producer that passed that check just before may still claim
 * a slot: the writer, once it finds the ring empty, {@linkplain #close closes} it (no claim succeeds after that) and
 * handles every slot claimed before, so a record counted as captured is always written or counted as dropped, never
 * stranded in a ring nobody reads.
 *
 * <h2>Threading and buffers</h2>
 * {@code submit*}, {@link #size} and {@link #clock} on any thread, lock-free; {@link #awaitIdle} on any thread but the
 * writer's (it waits on a monitor that producers never take); the other methods on the writer thread only. A slot is
 * the claiming producer's until it is published, then the writer's until {@link #release}; the bytes of a captured
 * read are copied into it (into the slot's own buffer for a read of up to {@link Slot#RETAINED} bytes, so that queuing
 * it allocates nothing), never referenced: the caller's buffer is free again when {@code submitData} returns.
 */
final class CaptureQueue {

    private final RecordRing ring;
    private final CaptureGate gate;
    private final int wakeThreshold;
    private final LongSupplier nanoTime;
    private final Interleaving hooks;
    /** True while the writer sleeps; the first producer that finds the queue half full clears it and wakes it. */
    private final AtomicBoolean parked = new AtomicBoolean();
    private final Object idle = new Object();
    /** The writer thread, set once before it starts. */
    private volatile Thread writer;
    private volatile boolean stopping;
    /**
     * The writer's clock ({@code nanoTime}), published by the writer thread on each turn of its loop, so that the gate
     * charges the budget without reading a clock itself.
     */
    private volatile long clock;
    /** The ring's released count when the writer last found it empty and had flushed the files. */
    private volatile long flushedThrough;
    private volatile boolean finished;

    CaptureQueue(DumpConfig config, LongSupplier nanoTime, Interleaving hooks) {
        this.ring = new RecordRing(config.queueCapacity());
        this.wakeThreshold = Math.max(1, config.queueCapacity() / 2);
        this.nanoTime = nanoTime;
        this.hooks = hooks;
        this.clock = nanoTime.getAsLong();
        this.gate = new CaptureGate(config.maxBufferedBytes(), config.maxBytesPerSecond(), ring, this::clock);
    }

    /** Admission and the byte, rate and slot budgets of this queue. */
    CaptureGate gate() {
        return gate;
    }

    /** The writer thread to wake; set before it starts. */
    void writer(Thread thread) {
        this.writer = thread;
    }

    // ------------------------------------------------------------------ producers

    /**
     * Queues captured bytes {@code source[from, from + length)} of one direction of a captured connection, whose
     * room was reserved with {@link CaptureGate#reserve}; copies them into the slot. Never blocks. False if the queue's
     * data share is full or the writer is stopping: the reservation is then given back.
     */
    boolean submitData(CapturedConnection owner, CaptureStats stats, long timeMicros, String window, String port,
                       String listener, long connectionId, int direction, long offset, IoBuffer source, int from,
                       int length) {
        int cost = CaptureGate.cost(length);
        if (stopping) {
            gate.release(cost);
            return false;
        }
        hooks.passedClosingCheck();
        long pos = ring.claim(gate.dataLimit());
        if (pos < 0) {
            gate.release(cost);
            return false;
        }
        Slot slot = ring.slot(pos);
        try {
            slot.data(timeMicros, window, port, listener, connectionId, direction, offset, source, from, length,
                    owner, cost, stats);
        } catch (RuntimeException e) {
            slot.clear();                      // published empty, so the writer is never stuck at this position
            ring.publish(pos);
            gate.release(cost);
            throw e;
        }
        stats.capturedRecords.increment();
        stats.capturedBytes.add(length);
        published(pos);
        return true;
    }

    /**
     * Queues a record that opens or ends a capture, or a {@code REFUSED} record, using the whole ring. Never blocks;
     * false (counted as a drop: {@code closed}, {@code queue_full}) if the writer is stopping or the ring is full.
     */
    boolean submitControl(FerryRecord record, String port, CapturedConnection owner, CaptureStats stats) {
        if (stopping) {
            stats.drop(DropReason.CLOSED);
            return false;
        }
        hooks.passedClosingCheck();
        long pos = ring.claim();
        if (pos < 0) {
            stats.drop(DropReason.QUEUE_FULL);
            return false;
        }
        ring.slot(pos).control(record, port, owner, stats);
        stats.capturedRecords.increment();
        published(pos);
        return true;
    }

    /** Queues a portrait upload in the data share of the ring. False (counted) if it does not fit. */
    boolean submitPortrait(long timeMillis, String window, String port, String businessType, String json,
                           String configJson, CaptureStats stats) {
        if (stopping) {
            stats.drop(DropReason.CLOSED);
            return false;
        }
        hooks.passedClosingCheck();
        long pos = ring.claim(gate.dataLimit());
        if (pos < 0) {
            stats.drop(DropReason.QUEUE_FULL);
            return false;
        }
        ring.slot(pos).portrait(timeMillis * 1000, window, port, businessType, json, configJson, stats);
        stats.capturedRecords.increment();
        published(pos);
        return true;
    }

    private void published(long pos) {
        ring.publish(pos);
        if (parked.get() && ring.size() >= wakeThreshold && parked.compareAndSet(true, false)) {
            LockSupport.unpark(writer);        // one producer pays for the wake-up, and only under pressure
        }
    }

    /** Records waiting in the ring. */
    int size() {
        return ring.size();
    }

    /** The writer's clock as it last published it (nanoseconds). */
    long clock() {
        return clock;
    }

    /**
     * Waits until every record submitted before this call has been handled (written or dropped) and the files are
     * flushed, or the writer has finished.
     *
     * @return false on timeout
     */
    boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
        long target = ring.claimed();
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (idle) {
            while (!finished && (flushedThrough < target || (ring.size() > 0 && !stopping))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.unpark(writer);
                idle.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
        return true;
    }

    /** Every later {@code submit*} fails; the writer drains what was claimed and stops. */
    void stop() {
        stopping = true;
        LockSupport.unpark(writer);
    }

    // ------------------------------------------------------------------ the writer thread

    boolean stopping() {
        return stopping;
    }

    /** Publishes the writer's clock to the gate; returns it. */
    long tick() {
        long now = nanoTime.getAsLong();
        clock = now;
        return now;
    }

    /** The oldest published slot, or null. */
    Slot peek() {
        return ring.peek();
    }

    /** The slot {@link #peek} returned was handled: its reserved bytes go back to the gate, the slot to the ring. */
    void release(Slot slot) {
        gate.release(slot.reserved);
        ring.release();
    }

    /** Positions released so far. */
    long released() {
        return ring.released();
    }

    /**
     * Sleeps up to {@code nanos} unless a record is there already (a producer that finds the ring half full meanwhile
     * wakes it). Returns false, without sleeping, if a record is there.
     */
    boolean parkIfEmpty(long nanos) {
        parked.set(true);
        if (ring.peek() != null) {
            parked.set(false);
            return false;
        }
        LockSupport.parkNanos(this, nanos);
        parked.set(false);
        return true;
    }

    /**
     * Closes the ring after a {@link #stop}, with the ring found empty: no claim succeeds after this. Returns the
     * positions claimed before, which the writer handles up to (their producers publish them soon: a producer never
     * blocks between claim and publish).
     */
    long close() {
        hooks.beforeRingClose();
        return ring.close();
    }

    /** The writer found the ring empty with everything up to {@code released} handled and the files flushed. */
    void idle(long released) {
        flushedThrough = released;
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    /** The writer thread ends. */
    void finished() {
        finished = true;
        synchronized (idle) {
            idle.notifyAll();
        }
    }
}
