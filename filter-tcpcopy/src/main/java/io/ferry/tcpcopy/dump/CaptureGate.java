package io.ferry.tcpcopy.dump;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Decides which connections one dump writer captures, and keeps what it holds bounded in bytes. tcpcopy sheds load
 * by connection, never by read (docs/dump-format.md): under pressure it first stops admitting new connections, then
 * gives up captured ones, the most recently admitted first; a connection it captures is recorded whole or ends with
 * a record saying where and why its capture stopped.
 *
 * <h2>Budgets</h2>
 * <ul>
 *   <li><b>Bytes</b> ({@code dump.max_buffered_bytes}): every queued record reserves its payload plus
 *       {@link #RECORD_OVERHEAD} before it is copied, and the writer releases it once the record is written. A record
 *       that does not fit ends its connection's capture ({@link ShedReason#MEMORY}): the capture path never holds more
 *       than the budget, whatever clients, upstreams, disks or sinks do.</li>
 *   <li><b>Rate</b> ({@code dump.max_bytes_per_second}, {@link CaptureBudget}): every captured byte is charged; a
 *       captured connection's bytes are charged even into debt, down to one more bucket, beyond which its capture
 *       ends ({@link ShedReason#RATE_LIMIT}).</li>
 *   <li><b>Queue</b>: data records may fill the writer's ring up to {@link #dataLimit()} slots; the rest is kept for
 *       the records that end captures.</li>
 * </ul>
 *
 * <h2>Admission and shedding</h2>
 * A connection is admitted only while every budget has room: less than half the bytes and half the data slots in use,
 * the rate bucket at least half full, the dump healthy (its last write succeeded) and no sink congested. Past three
 * quarters of the bytes or the data slots, or with the rate bucket empty, a record still fits but the newest captured
 * connection is asked to give up its capture ({@link CapturedConnection#requestAbandon}), one every
 * {@link #SHED_INTERVAL_NANOS}, so the older ones run to their end.
 *
 * <h2>Threading</h2>
 * {@link #admit}, {@link #reserve} and {@link #ended} are called on connection threads; {@link #release},
 * {@link #health} and {@link #sinksCongested} by the writer. Lock-free: atomics and a concurrent skip list of the
 * captured connections (touched once per admitted connection, not per read).
 */
public final class CaptureGate {

    /** Bytes charged per record besides its payload: the slot's fields and the encodings the writer makes. */
    static final int RECORD_OVERHEAD = 128;
    /** At most one captured connection is asked to give up per this interval, so a burst does not shed them all. */
    static final long SHED_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final long maxBytes;
    private final AtomicLong buffered = new AtomicLong();
    private final CaptureBudget rate;
    private final RecordRing ring;
    private final int dataLimit;
    private final LongSupplier clock;
    private final AtomicLong admissions = new AtomicLong();
    private final AtomicLong lastShed = new AtomicLong(Long.MIN_VALUE / 2);
    private final ConcurrentSkipListMap<Long, CapturedConnection> captured = new ConcurrentSkipListMap<>();
    private volatile ShedReason unhealthy;
    private volatile boolean sinksCongested;

    /**
     * @param maxBytes          the byte budget
     * @param bytesPerSecond    the rate budget, 0 for none
     * @param ring              the writer's ring
     * @param clock             the writer's published clock (nanoseconds)
     */
    CaptureGate(long maxBytes, long bytesPerSecond, RecordRing ring, LongSupplier clock) {
        this.maxBytes = maxBytes;
        this.ring = ring;
        this.clock = clock;
        this.rate = bytesPerSecond > 0 ? new CaptureBudget(bytesPerSecond, clock.getAsLong()) : null;
        this.dataLimit = Math.max(1, ring.capacity() - Math.max(1, ring.capacity() / 4));
    }

    /** The data records' share of the ring; the rest is kept for the records that end captures. */
    int dataLimit() {
        return dataLimit;
    }

    /** The byte budget. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Bytes reserved by queued records now. */
    public long buffered() {
        return buffered.get();
    }

    /**
     * Whether a new connection may be captured now.
     *
     * @return null if it is admitted (then {@link #register} it), else why not
     */
    public ShedReason admit() {
        ShedReason u = unhealthy;
        if (u != null) {
            return u;
        }
        if (sinksCongested) {
            return ShedReason.SINK_SLOW;
        }
        if (buffered.get() > maxBytes / 2) {
            return ShedReason.MEMORY;
        }
        if (ring.size() > dataLimit / 2) {
            return ShedReason.QUEUE_FULL;
        }
        if (rate != null && rate.level(clock.getAsLong()) < 0.5) {
            return ShedReason.RATE_LIMIT;
        }
        return null;
    }

    /** Records an admitted connection; returns its admission number (higher = newer). */
    public long register(CapturedConnection c) {
        long seq = admissions.incrementAndGet();
        captured.put(seq, c);
        return seq;
    }

    /** The capture of connection {@code seq} ended (closed, truncated or abandoned). */
    public void ended(long seq) {
        captured.remove(seq);
    }

    /**
     * Reserves room for a record with {@code payload} captured bytes of a captured connection, and charges them to the
     * rate budget.
     *
     * @return null if reserved (the writer releases {@link #cost}{@code (payload)} once the record is written), else
     *         why the record does not fit: the connection must give up its capture
     */
    public ShedReason reserve(int payload) {
        long need = cost(payload);
        while (true) {
            long b = buffered.get();
            if (b + need > maxBytes) {
                return ShedReason.MEMORY;
            }
            if (buffered.compareAndSet(b, b + need)) {
                break;
            }
        }
        long now = clock.getAsLong();
        if (rate != null && !rate.charge(payload, now)) {
            release(need);
            return ShedReason.RATE_LIMIT;
        }
        ShedReason pressure = pressure(now);
        if (pressure != null) {
            shedNewest(pressure, now);
        }
        return null;
    }

    /** What a record of {@code payload} bytes reserves. */
    static int cost(int payload) {
        return payload + RECORD_OVERHEAD;
    }

    /** Gives back the bytes of a handled record (or of one that could not be queued). */
    void release(long bytes) {
        buffered.addAndGet(-bytes);
    }

    private ShedReason pressure(long now) {
        if (buffered.get() > maxBytes / 4 * 3) {
            return ShedReason.MEMORY;
        }
        if (ring.size() > dataLimit / 4 * 3) {
            return ShedReason.QUEUE_FULL;
        }
        if (rate != null && rate.level(now) < 0) {
            return ShedReason.RATE_LIMIT;
        }
        return null;
    }

    /** Asks the most recently admitted captured connection to give up, at most once per interval. */
    private void shedNewest(ShedReason reason, long now) {
        long last = lastShed.get();
        if (now - last < SHED_INTERVAL_NANOS || !lastShed.compareAndSet(last, now)) {
            return;
        }
        Map.Entry<Long, CapturedConnection> newest = captured.pollLastEntry();
        if (newest != null) {
            newest.getValue().requestAbandon(reason);
        }
    }

    /**
     * The writer's health: null when its last write succeeded, else why it cannot write (no new connection is
     * admitted meanwhile).
     */
    void health(ShedReason reason) {
        if (unhealthy != reason) {
            unhealthy = reason;
        }
    }

    /** True while some sink's queue is more than half full (no new connection is admitted meanwhile). */
    void sinksCongested(boolean congested) {
        if (sinksCongested != congested) {
            sinksCongested = congested;
        }
    }

    /** Captured connections now (admitted, not ended). */
    public int capturing() {
        return captured.size();
    }
}
