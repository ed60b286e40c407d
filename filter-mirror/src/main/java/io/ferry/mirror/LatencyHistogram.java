package io.ferry.mirror;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Response latencies in microseconds, log-linear (16 sub-buckets per power of two, so a percentile is within 6.25 %
 * of the true value), from 1 µs to about 9 hours; larger values count in the last bucket.
 *
 * <p>Thread-safe and lock-free: {@link #record} is one atomic add and allocates nothing (event loops call it);
 * readers ({@link #percentile}) see each bucket's count at some moment, not an atomic snapshot of all.
 */
public final class LatencyHistogram {

    private static final int SUB = 16;
    private static final int SUB_BITS = 4;
    private static final int MAJORS = 36;

    private final AtomicLongArray counts = new AtomicLongArray(MAJORS * SUB);

    /** Records one latency of {@code nanos} (negative values count as 0). */
    public void record(long nanos) {
        counts.incrementAndGet(index(Math.max(0, nanos / 1000)));
    }

    static int index(long micros) {
        if (micros < SUB) {
            return (int) micros;
        }
        int major = 63 - Long.numberOfLeadingZeros(micros) - SUB_BITS + 1;    // 1 for [16, 32)
        int sub = (int) (micros >>> (major - 1)) - SUB;                         // 0..15
        int i = major * SUB + sub;
        return Math.min(i, MAJORS * SUB - 1);
    }

    /** The smallest value (µs) of bucket {@code i}. */
    static long lowerBound(int i) {
        int major = i / SUB;
        int sub = i % SUB;
        return major == 0 ? sub : (long) (SUB + sub) << (major - 1);
    }

    /** How many latencies were recorded. */
    public long count() {
        long n = 0;
        for (int i = 0; i < counts.length(); i++) {
            n += counts.get(i);
        }
        return n;
    }

    /**
     * The latency (µs) at percentile {@code p} (0 to 100): the lower bound of the bucket holding it, or -1 when
     * nothing was recorded.
     */
    public long percentile(double p) {
        long total = count();
        if (total == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return lowerBound(i);
            }
        }
        return lowerBound(counts.length() - 1);
    }
}
