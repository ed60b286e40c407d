package io.ferry.filter.api.metrics;

import io.ferry.filter.api.Experimental;

import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Where a filter creates its typed metrics: counters, gauges and histograms, with labels. The runtime exports them
 * on its Prometheus endpoint (MOSN's {@code metrics.sinks[]} of type {@code prometheus}) and lists them in
 * {@code GET /api/v1/stats} under {@code "filters"}; the test kit keeps them in memory for assertions. Reach it with
 * {@link io.ferry.filter.api.spi.FilterEnvironment#metrics()}. Filters that publish through
 * {@link io.ferry.filter.api.spi.StatsRegistry} keep working; both can be used side by side.
 *
 * <h2>Names and labels</h2>
 * <ul>
 *   <li>A name matches {@code [a-zA-Z_:][a-zA-Z0-9_:]*} and should start with the filter's own prefix
 *       ({@code acme_audit_denied}). The runtime's own prefixes ({@code downstream_}, {@code upstream_},
 *       {@code ferry_}, {@code jvm_}, {@code process_}) are refused. A counter's name may end in {@code _total};
 *       {@code x} and {@code x_total} name the same counter, exported as {@code x_total}.</li>
 *   <li>Label names match {@code [a-zA-Z_][a-zA-Z0-9_]*}, do not start with {@code __} and are not {@code le}. Every
 *       series of one name has the same type, help text and label names (a histogram: the same buckets); label
 *       values are any strings. A listener's name is a good label: {@code Map.of("listener", info.name())}.</li>
 * </ul>
 * Asking again for a name and labels already registered returns the same metric, so a factory may create its
 * metrics in {@code init} and keep the references.
 *
 * <h2>Threading and ownership</h2>
 * Thread-safe. Creating and {@linkplain #remove removing} a metric allocates and should happen at setup or teardown,
 * not per packet; updating one (see {@link Counter}, {@link Gauge}, {@link Histogram}) is lock-free. A scrape reads
 * every metric on the scraping thread without stopping writers: values of different metrics are not an atomic
 * snapshot. A callback gauge's supplier runs on the scraping thread and must be thread-safe, cheap and
 * non-blocking. Metrics live until removed or until the runtime stops; a factory that is closed should remove its
 * own.
 */
@Experimental
public interface MetricRegistry {

    /**
     * The counter {@code name} with {@code labels}, created on first use.
     *
     * @throws IllegalArgumentException if the name or a label is invalid, or {@code name} is already registered with
     *                                  another type, help or label names
     */
    Counter counter(String name, String help, Map<String, String> labels);

    /**
     * The gauge {@code name} with {@code labels}, created on first use.
     *
     * @throws IllegalArgumentException as for {@link #counter}
     */
    Gauge gauge(String name, String help, Map<String, String> labels);

    /**
     * Registers a gauge whose value {@code value} supplies when metrics are read (a queue's size, say), replacing an
     * earlier callback of the same name and labels.
     *
     * @throws IllegalArgumentException as for {@link #counter}
     */
    void gauge(String name, String help, Map<String, String> labels, DoubleSupplier value);

    /**
     * The histogram {@code name} with {@code labels}, created on first use, counting values in buckets with these
     * upper bounds (sorted, distinct, finite; {@code +Inf} is added). Prefer seconds for durations and bytes for
     * sizes, with the unit at the end of the name ({@code acme_lookup_seconds}).
     *
     * @throws IllegalArgumentException as for {@link #counter}, or if the bounds are empty, unsorted or not finite,
     *                                  or differ from those {@code name} was registered with
     */
    Histogram histogram(String name, String help, Map<String, String> labels, double... bucketUpperBounds);

    /** Removes the series {@code name} with {@code labels}, if registered; other series of the name stay. */
    void remove(String name, Map<String, String> labels);
}
