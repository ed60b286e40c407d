package io.ferry.filter.api.metrics;

import io.ferry.filter.api.Experimental;

/**
 * A value that goes up and down (open sessions, queue depth), exported to Prometheus as a {@code gauge}. For a value
 * the filter already keeps, register a callback gauge instead ({@link MetricRegistry#gauge(String, String,
 * java.util.Map, java.util.function.DoubleSupplier)}).
 *
 * <h2>Threading and cost</h2>
 * Thread-safe and lock-free (a compare-and-set loop on {@link #add}); an update allocates nothing and never waits for
 * a scrape.
 */
@Experimental
public interface Gauge {

    /** Sets the value. */
    void set(double value);

    /** Adds {@code delta} (negative to subtract). */
    void add(double delta);

    /** Adds one. */
    default void increment() {
        add(1);
    }

    /** Subtracts one. */
    default void decrement() {
        add(-1);
    }

    /** The value now. */
    double value();
}
