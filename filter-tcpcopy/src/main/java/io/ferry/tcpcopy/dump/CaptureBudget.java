package io.ferry.tcpcopy.dump;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The capture budget of one dump writer ({@code dump.max_bytes_per_second}): a token bucket that sheds load before
 * a record is queued, so that the dump's own cost (copying, formatting, writing) stays bounded however fast the
 * sampled listeners run.
 *
 * <p>The bucket holds a tenth of a second's budget ({@link #BURST_NANOS}) and refills continuously at the budget's
 * rate. A record is admitted while the bucket holds any credit, and its whole size is charged, so the bucket may go
 * into debt by at most one record: over any interval of {@code t} seconds at most {@code rate × (t + 0.1)} bytes
 * plus one record are admitted. A record larger than the whole bucket is therefore still admitted once the bucket is
 * full, rather than never.
 *
 * <h2>Threading and cost</h2>
 * Lock-free and without a system call: the state is one {@link AtomicLong}, the bucket's <i>theoretical arrival
 * time</i> (GCRA: the instant at which the bucket would be full again), advanced by compare-and-set. A refused
 * record costs one volatile read; an admitted one a successful CAS (retried only when another thread admitted a
 * record in between). The caller passes the current time: {@link DumpWriter} passes the clock its writer thread
 * publishes, so the data path reads no clock of its own. Tests pass a manual clock.
 */
final class CaptureBudget {

    /** Bucket depth: a tenth of a second's budget. */
    static final long BURST_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final long bytesPerSecond;
    /** When the bucket is (or was) full again: at or before now = full; now + BURST_NANOS = empty. */
    private final AtomicLong fullAt;

    /**
     * @param bytesPerSecond at least 1, at most 2<sup>40</sup> (so that {@code bytes × 10⁹} cannot overflow for any
     *                       {@code int} size)
     * @param now            the current time in nanoseconds; the bucket starts full
     */
    CaptureBudget(long bytesPerSecond, long now) {
        if (bytesPerSecond < 1 || bytesPerSecond > 1L << 40) {
            throw new IllegalArgumentException("bytesPerSecond: " + bytesPerSecond + " (expected: 1 to 2^40)");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.fullAt = new AtomicLong(now);
    }

    long bytesPerSecond() {
        return bytesPerSecond;
    }

    /**
     * Charges {@code bytes} if the bucket holds any credit at {@code now}.
     *
     * @param now a monotonic time in nanoseconds (never earlier than a value passed before, as with
     *            {@link System#nanoTime()} read on one thread)
     * @return true if admitted (and charged), false if the budget is spent (nothing is charged)
     */
    boolean tryAcquire(int bytes, long now) {
        long cost = ((long) bytes * NANOS_PER_SECOND + bytesPerSecond - 1) / bytesPerSecond;
        while (true) {
            long full = fullAt.get();
            long debt = full - now;                    // nanoseconds of budget already spent ahead of now
            if (debt >= BURST_NANOS) {
                return false;
            }
            long next = (debt < 0 ? now : full) + cost;
            if (fullAt.compareAndSet(full, next)) {
                return true;
            }
        }
    }
}
