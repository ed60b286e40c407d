package io.ferry.tcpcopy.dump;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The capture budget of one dump writer ({@code dump.max_bytes_per_second}): a token bucket that bounds what the dump
 * costs, however fast the sampled listeners run. It does not cut captures into pieces: {@link CaptureGate} uses its
 * level to stop admitting new connections and, past it, to give up whole captures, the newest first.
 *
 * <p>The bucket holds {@link #DEPTH_SECONDS} seconds of budget (at least {@link #MIN_DEPTH_BYTES}), so ordinary bursts
 * of conversations are captured whole, and refills continuously at the budget's rate. A captured connection's bytes
 * are always charged, so the bucket may go into debt, down to one more bucket's worth; the gate reads the level.
 *
 * <h2>Threading and cost</h2>
 * Lock-free and without a system call: the state is one {@link AtomicLong}, the bucket's <i>theoretical arrival
 * time</i> (GCRA: the instant at which the bucket would be full again), advanced by compare-and-set. The caller passes
 * the current time: {@link DumpWriter} passes the clock its writer thread publishes, so the data path reads no clock
 * of its own. Tests pass a manual clock.
 */
final class CaptureBudget {

    /** The bucket holds this many seconds of budget. */
    static final int DEPTH_SECONDS = 4;
    /** … and never less than this. */
    static final long MIN_DEPTH_BYTES = 1L << 20;
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final long bytesPerSecond;
    private final long depthBytes;
    /** The bucket's depth in nanoseconds of budget. */
    private final long depthNanos;
    /** When the bucket is (or was) full again: at or before now = full; now + depth = empty; beyond = in debt. */
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
        this.depthBytes = Math.max(MIN_DEPTH_BYTES, DEPTH_SECONDS * bytesPerSecond);
        this.depthNanos = cost(depthBytes);
        this.fullAt = new AtomicLong(now);
    }

    long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** The bucket's capacity in bytes. */
    long depthBytes() {
        return depthBytes;
    }

    private long cost(long bytes) {
        return (bytes * NANOS_PER_SECOND + bytesPerSecond - 1) / bytesPerSecond;
    }

    /**
     * The bucket's level at {@code now}, as a fraction of its depth: 1 when full, 0 when empty, negative in debt
     * (down to -1).
     */
    double level(long now) {
        long debt = Math.max(0, fullAt.get() - now);
        return 1.0 - (double) debt / depthNanos;
    }

    /**
     * Charges {@code bytes} at {@code now} unless the bucket would go deeper into debt than one more bucket.
     *
     * @param now a monotonic time in nanoseconds (never earlier than a value passed before, as with
     *            {@link System#nanoTime()} read on one thread)
     * @return true if charged; false (nothing charged) if the debt limit is reached
     */
    boolean charge(int bytes, long now) {
        long c = cost(bytes);
        while (true) {
            long full = fullAt.get();
            long start = Math.max(full, now);
            if (start - now >= 2 * depthNanos) {
                return false;
            }
            if (fullAt.compareAndSet(full, start + c)) {
                return true;
            }
        }
    }
}
