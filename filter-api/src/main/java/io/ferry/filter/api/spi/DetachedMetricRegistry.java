package io.ferry.filter.api.spi;

import io.ferry.filter.api.metrics.Counter;
import io.ferry.filter.api.metrics.Gauge;
import io.ferry.filter.api.metrics.Histogram;
import io.ferry.filter.api.metrics.MetricRegistry;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * What {@link FilterEnvironment#metrics()} returns when an environment has no metrics of its own (a hand-written
 * environment in a filter's unit test): metrics are kept in memory, with the runtime's name and label rules, and
 * exported nowhere. Package-private: the runtime and the test kit have their own, exported registry. Thread-safe.
 */
final class DetachedMetricRegistry implements MetricRegistry {

    static final DetachedMetricRegistry INSTANCE = new DetachedMetricRegistry();

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final List<String> RESERVED = List.of("downstream_", "upstream_", "ferry_", "jvm_", "process_");

    private final Map<String, Object> series = new ConcurrentHashMap<>();

    private DetachedMetricRegistry() {
    }

    @Override
    public Counter counter(String name, String help, Map<String, String> labels) {
        String base = name != null && name.endsWith("_total") ? name.substring(0, name.length() - 6) : name;
        return (Counter) series(base, labels, "counter", Count::new);
    }

    @Override
    public Gauge gauge(String name, String help, Map<String, String> labels) {
        Object g = series(name, labels, "gauge", Level::new);
        if (!(g instanceof Gauge)) {
            throw new IllegalArgumentException("name: \"" + name + "\" " + labels
                    + " (expected: a gauge not already registered as a callback gauge)");
        }
        return (Gauge) g;
    }

    @Override
    public void gauge(String name, String help, Map<String, String> labels, DoubleSupplier value) {
        Objects.requireNonNull(value, "value");
        String key = key(name, labels, "gauge");
        series.put(key, value);
    }

    @Override
    public Histogram histogram(String name, String help, Map<String, String> labels, double... bucketUpperBounds) {
        if (bucketUpperBounds == null || bucketUpperBounds.length == 0) {
            throw new IllegalArgumentException("bucketUpperBounds: none (expected: at least one finite upper bound)");
        }
        for (int i = 0; i < bucketUpperBounds.length; i++) {
            if (!Double.isFinite(bucketUpperBounds[i]) || (i > 0 && bucketUpperBounds[i] <= bucketUpperBounds[i - 1])) {
                throw new IllegalArgumentException("bucketUpperBounds: " + java.util.Arrays.toString(bucketUpperBounds)
                        + " (expected: finite values in increasing order)");
            }
        }
        return (Histogram) series(name, labels, "histogram", Sum::new);
    }

    @Override
    public void remove(String name, Map<String, String> labels) {
        if (name == null || labels == null) {
            return;
        }
        for (String kind : List.of("counter", "gauge", "histogram")) {
            String base = kind.equals("counter") && name.endsWith("_total") ? name.substring(0, name.length() - 6)
                    : name;
            series.remove(kind + " " + base + " " + new TreeMap<>(labels));
        }
    }

    private Object series(String name, Map<String, String> labels, String kind,
                          java.util.function.Supplier<Object> create) {
        return series.computeIfAbsent(key(name, labels, kind), k -> create.get());
    }

    private static String key(String name, Map<String, String> labels, String kind) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: " + (name == null ? "missing" : "\"" + name + "\"")
                    + " (expected: [a-zA-Z_:][a-zA-Z0-9_:]*, e.g. \"acme_audit_denied\")");
        }
        for (String p : RESERVED) {
            if (name.startsWith(p)) {
                throw new IllegalArgumentException("name: \"" + name + "\" (expected: a name of the filter's own; "
                        + RESERVED + " are the runtime's)");
            }
        }
        Objects.requireNonNull(labels, "labels");
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String label = e.getKey();
            if (label == null || !LABEL.matcher(label).matches() || label.startsWith("__") || label.equals("le")) {
                throw new IllegalArgumentException("label of " + name + ": " + (label == null ? "missing" : "\""
                        + label + "\"") + " (expected: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __, not \"le\")");
            }
            Objects.requireNonNull(e.getValue(), "label value of " + label);
        }
        return kind + " " + name + " " + new TreeMap<>(labels);
    }

    private static final class Count implements Counter {
        private final LongAdder count = new LongAdder();

        @Override
        public void increment() {
            count.increment();
        }

        @Override
        public void add(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("n: " + n + " (expected: 0 or more; a counter only goes up)");
            }
            count.add(n);
        }

        @Override
        public long value() {
            return count.sum();
        }
    }

    private static final class Level implements Gauge {
        private final AtomicLong bits = new AtomicLong(Double.doubleToRawLongBits(0));

        @Override
        public void set(double value) {
            bits.set(Double.doubleToRawLongBits(value));
        }

        @Override
        public void add(double delta) {
            bits.accumulateAndGet(0, (cur, ignored) ->
                    Double.doubleToRawLongBits(Double.longBitsToDouble(cur) + delta));
        }

        @Override
        public double value() {
            return Double.longBitsToDouble(bits.get());
        }
    }

    private static final class Sum implements Histogram {
        private final LongAdder count = new LongAdder();
        private final DoubleAdder sum = new DoubleAdder();

        @Override
        public void observe(double value) {
            if (!Double.isNaN(value)) {
                count.increment();
                sum.add(value);
            }
        }

        @Override
        public long count() {
            return count.sum();
        }

        @Override
        public double sum() {
            return sum.sum();
        }
    }
}
