package io.ferry.filter.api.metrics;

import io.ferry.filter.api.Experimental;

/**
 * A count that only goes up (events, bytes), exported to Prometheus as a {@code counter} whose sample is named
 * {@code <name>_total}.
 *
 * <h2>Threading and cost</h2>
 * Thread-safe and lock-free: any thread, a connection's event loop included, may update it; an update allocates
 * nothing and never waits for a scrape. Keep the reference from {@link MetricRegistry#counter}: looking a metric up
 * by name and labels allocates.
 */
@Experimental
public interface Counter {

    /** Adds one. */
    void increment();

    /**
     * Adds {@code n}.
     *
     * @throws IllegalArgumentException if {@code n} is negative
     */
    void add(long n);

    /** The count so far. */
    long value();
}
