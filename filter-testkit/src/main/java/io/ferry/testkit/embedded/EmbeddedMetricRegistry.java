package io.ferry.testkit.embedded;

import io.ferry.filter.chain.metrics.LocalMetricRegistry;
import io.ferry.filter.api.metrics.Counter;
import io.ferry.filter.api.metrics.Gauge;
import io.ferry.filter.api.metrics.Histogram;
import io.ferry.filter.api.metrics.MetricRegistry;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;

/**
 * The test kit's {@link MetricRegistry}: the runtime's implementation (same names, label and type rules), kept in
 * memory, with lookups for assertions. Thread-safe.
 */
public final class EmbeddedMetricRegistry implements MetricRegistry {

    private final LocalMetricRegistry registry = new LocalMetricRegistry();

    @Override
    public Counter counter(String name, String help, Map<String, String> labels) {
        return registry.counter(name, help, labels);
    }

    @Override
    public Gauge gauge(String name, String help, Map<String, String> labels) {
        return registry.gauge(name, help, labels);
    }

    @Override
    public void gauge(String name, String help, Map<String, String> labels, DoubleSupplier value) {
        registry.gauge(name, help, labels, value);
    }

    @Override
    public Histogram histogram(String name, String help, Map<String, String> labels, double... bucketUpperBounds) {
        return registry.histogram(name, help, labels, bucketUpperBounds);
    }

    @Override
    public void remove(String name, Map<String, String> labels) {
        registry.remove(name, labels);
    }

    /**
     * The value of the series {@code name} with {@code labels} (a counter's count, a gauge's value, a callback
     * gauge's value read now, a histogram's count), if registered.
     */
    public Optional<Double> value(String name, Map<String, String> labels) {
        String base = name.endsWith("_total") ? name.substring(0, name.length() - 6) : name;
        for (LocalMetricRegistry.Family f : registry.families()) {
            if (f.name().equals(name) || f.name().equals(base)) {
                Object m = f.series().get(List.copyOf(new TreeMap<>(labels).values()));
                if (m instanceof Counter c) {
                    return Optional.of((double) c.value());
                } else if (m instanceof Gauge g) {
                    return Optional.of(g.value());
                } else if (m instanceof DoubleSupplier s) {
                    return Optional.of(s.getAsDouble());
                } else if (m instanceof Histogram h) {
                    return Optional.of((double) h.count());
                }
            }
        }
        return Optional.empty();
    }
}
