package io.ferry.filter.api.metrics;

import io.ferry.filter.api.Experimental;

/**
 * A distribution of observed values (latencies in seconds, sizes in bytes), counted in fixed buckets and exported
 * to Prometheus as a classic {@code histogram} ({@code <name>_bucket{le=...}}, {@code <name>_sum},
 * {@code <name>_count}), plus MOSN's {@code <name>_min}, {@code <name>_max} and the configured percentiles, which
 * are estimated from the buckets.
 *
 * <h2>Threading and cost</h2>
 * Thread-safe and lock-free: {@link #observe} finds the bucket by binary search and adds to striped counters; it
 * allocates nothing and never waits for a scrape, so a filter may call it on the event loop.
 */
@Experimental
public interface Histogram {

    /** Records one value. NaN is ignored. */
    void observe(double value);

    /** The number of values recorded. */
    long count();

    /** The sum of the values recorded. */
    double sum();
}
