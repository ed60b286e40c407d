package io.ferry.filter.chain.metrics;

import io.ferry.filter.api.metrics.Histogram;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lock-free fixed-bucket histogram: one {@link LongAdder} per bucket, a {@link DoubleAdder} for the sum, and the
 * minimum and maximum kept with compare-and-set. {@link #observe} allocates nothing and takes no lock; a
 * {@link #snapshot()} reads the cells without stopping writers, so its count, sum and buckets may each include an
 * observation the others do not yet.
 *
 * <p>The host's implementation, shared by the runtime and the test kit; plugins see only the {@code filter-api}
 * interface.
 */
public final class LocalHistogram implements Histogram {

    private final double[] bounds;
    private final LongAdder[] buckets;
    private final DoubleAdder sum = new DoubleAdder();
    private final AtomicLong minBits = new AtomicLong(Double.doubleToRawLongBits(Double.POSITIVE_INFINITY));
    private final AtomicLong maxBits = new AtomicLong(Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY));

    /** @param bounds the finite upper bounds, sorted and distinct (checked by {@link #checkBounds}) */
    public LocalHistogram(double[] bounds) {
        this.bounds = checkBounds(bounds).clone();
        this.buckets = new LongAdder[this.bounds.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /**
     * {@code bounds}, checked: at least one, finite, strictly increasing.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static double[] checkBounds(double[] bounds) {
        if (bounds == null || bounds.length == 0) {
            throw new IllegalArgumentException("bucketUpperBounds: none (expected: at least one finite upper bound)");
        }
        for (int i = 0; i < bounds.length; i++) {
            if (!Double.isFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
                throw new IllegalArgumentException("bucketUpperBounds: " + Arrays.toString(bounds)
                        + " (expected: finite values in increasing order)");
            }
        }
        return bounds;
    }

    @Override
    public void observe(double value) {
        if (Double.isNaN(value)) {
            return;
        }
        int i = Arrays.binarySearch(bounds, value);
        buckets[i >= 0 ? i : -i - 1].increment();
        sum.add(value);
        long bits = Double.doubleToRawLongBits(value);
        for (long cur = minBits.get(); value < Double.longBitsToDouble(cur); cur = minBits.get()) {
            if (minBits.compareAndSet(cur, bits)) {
                break;
            }
        }
        for (long cur = maxBits.get(); value > Double.longBitsToDouble(cur); cur = maxBits.get()) {
            if (maxBits.compareAndSet(cur, bits)) {
                break;
            }
        }
    }

    /** Records a duration given in nanoseconds, in seconds. */
    public void observeNanos(long nanos) {
        observe(nanos / 1e9);
    }

    @Override
    public long count() {
        long n = 0;
        for (LongAdder b : buckets) {
            n += b.sum();
        }
        return n;
    }

    @Override
    public double sum() {
        return sum.sum();
    }

    /** The upper bounds (without {@code +Inf}); a copy. */
    public double[] bounds() {
        return bounds.clone();
    }

    /** The values now. */
    public Snapshot snapshot() {
        long[] counts = new long[buckets.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets[i].sum();
        }
        return new Snapshot(bounds, counts, sum.sum(), Double.longBitsToDouble(minBits.get()),
                Double.longBitsToDouble(maxBits.get()));
    }

    /**
     * A histogram's values at one time.
     *
     * @param bounds the finite upper bounds (shared, do not modify)
     * @param counts the count of each bucket (not cumulative), the last one for {@code +Inf}
     * @param sum    the sum of the values
     * @param min    the smallest value, {@code +Inf} if none
     * @param max    the largest value, {@code -Inf} if none
     */
    public record Snapshot(double[] bounds, long[] counts, double sum, double min, double max) {

        /** The number of values. */
        public long count() {
            long n = 0;
            for (long c : counts) {
                n += c;
            }
            return n;
        }

        /** The smallest value, or 0 if none was recorded. */
        public double minOrZero() {
            return count() == 0 || Double.isInfinite(min) ? 0 : min;
        }

        /** The largest value, or 0 if none was recorded. */
        public double maxOrZero() {
            return count() == 0 || Double.isInfinite(max) ? 0 : max;
        }

        /**
         * The {@code q}-quantile (0..1) estimated from the buckets as PromQL's {@code histogram_quantile} does (linear
         * interpolation within the bucket that holds it), kept within the recorded minimum and maximum; 0 if nothing
         * was recorded.
         */
        public double quantile(double q) {
            long total = count();
            if (total == 0) {
                return 0;
            }
            double rank = Math.max(0, Math.min(1, q)) * total;
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 0) {
                    continue;
                }
                if (seen + counts[i] >= rank) {
                    double lower = i == 0 ? Math.min(0, min) : bounds[i - 1];
                    double upper = i < bounds.length ? bounds[i] : max;
                    lower = Math.max(lower, min);
                    upper = Math.min(upper, max);
                    double within = (rank - seen) / counts[i];
                    return lower + (upper - lower) * within;
                }
                seen += counts[i];
            }
            return max;
        }
    }
}
