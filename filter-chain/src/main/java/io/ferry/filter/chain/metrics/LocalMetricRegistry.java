package io.ferry.filter.chain.metrics;

import io.ferry.filter.api.metrics.Counter;
import io.ferry.filter.api.metrics.Gauge;
import io.ferry.filter.api.metrics.Histogram;
import io.ferry.filter.api.metrics.MetricRegistry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * The {@link MetricRegistry} the runtime and the test kit share: metrics in concurrent maps, counters on
 * {@link LongAdder}, gauges on an {@link AtomicLong} holding the value's bits, histograms on {@link LocalHistogram}.
 * Exporters read it with {@link #families()}.
 *
 * <p>The host's implementation, shared by the runtime and the test kit; plugins see only the {@code filter-api}
 * interface.
 */
public final class LocalMetricRegistry implements MetricRegistry {

    /** The kind of a family. */
    public enum Type { COUNTER, GAUGE, HISTOGRAM }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final List<String> RESERVED = List.of("downstream_", "upstream_", "ferry_", "jvm_", "process_");

    private final Map<String, Family> families = new ConcurrentHashMap<>();

    /**
     * All series of one name.
     *
     * @param name   the name (a counter's without {@code _total})
     * @param help   the help text
     * @param type   the kind
     * @param labels the label names, sorted
     * @param bounds a histogram's upper bounds, else null
     * @param series label values (in the order of {@code labels}) to the metric: {@link Counter}, {@link Gauge},
     *               {@link DoubleSupplier} (a callback gauge) or {@link LocalHistogram}
     */
    public record Family(String name, String help, Type type, List<String> labels, double[] bounds,
                         Map<List<String>, Object> series) {
    }

    /** A copy of the families registered now, sorted by name (their series maps are live). */
    public List<Family> families() {
        List<Family> out = new ArrayList<>(families.values());
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    @Override
    public Counter counter(String name, String help, Map<String, String> labels) {
        String base = name != null && name.endsWith("_total") ? name.substring(0, name.length() - 6) : name;
        return (Counter) series(base, help, Type.COUNTER, labels, null, true, LocalCounter::new);
    }

    @Override
    public Gauge gauge(String name, String help, Map<String, String> labels) {
        Object g = series(name, help, Type.GAUGE, labels, null, true, LocalGauge::new);
        if (!(g instanceof Gauge gauge)) {
            throw new IllegalArgumentException("name: \"" + name + "\" " + labels
                    + " (expected: a gauge not already registered as a callback gauge)");
        }
        return gauge;
    }

    @Override
    public void gauge(String name, String help, Map<String, String> labels, DoubleSupplier value) {
        Objects.requireNonNull(value, "value");
        series(name, help, Type.GAUGE, labels, null, false, () -> value);
    }

    @Override
    public Histogram histogram(String name, String help, Map<String, String> labels, double... bucketUpperBounds) {
        double[] bounds = LocalHistogram.checkBounds(bucketUpperBounds).clone();
        return (Histogram) series(name, help, Type.HISTOGRAM, labels, bounds, true, () -> new LocalHistogram(bounds));
    }

    @Override
    public void remove(String name, Map<String, String> labels) {
        if (name == null || labels == null) {
            return;
        }
        String base = name.endsWith("_total") && families.containsKey(name.substring(0, name.length() - 6))
                ? name.substring(0, name.length() - 6) : name;
        Family f = families.get(base);
        if (f != null) {
            f.series().remove(List.copyOf(new TreeMap<>(labels).values()));
        }
    }

    private Object series(String name, String help, Type type, Map<String, String> labels, double[] bounds,
                          boolean keepExisting, java.util.function.Supplier<Object> create) {
        checkName(name);
        Objects.requireNonNull(labels, "labels");
        SortedMap<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, String> e : labels.entrySet()) {
            checkLabel(name, e.getKey());
            sorted.put(e.getKey(), Objects.requireNonNull(e.getValue(), "label value of " + e.getKey()));
        }
        List<String> names = List.copyOf(sorted.keySet());
        String text = help == null ? "" : help;
        Family f = families.computeIfAbsent(name, n -> new Family(n, text, type, names, bounds,
                new ConcurrentHashMap<>()));
        if (f.type() != type || !f.labels().equals(names) || !f.help().equals(text)
                || (bounds != null && !Arrays.equals(bounds, f.bounds()))) {
            throw new IllegalArgumentException("name: \"" + name + "\" (expected: the type, help text, label names"
                    + (bounds != null ? " and buckets" : "") + " it was first registered with: " + describe(f) + ")");
        }
        List<String> values = List.copyOf(sorted.values());
        if (keepExisting) {
            return f.series().computeIfAbsent(values, v -> create.get());
        }
        Object created = create.get();
        f.series().put(values, created);
        return created;
    }

    private static String describe(Family f) {
        return f.type().name().toLowerCase(java.util.Locale.ROOT) + " \"" + f.help() + "\" " + f.labels()
                + (f.bounds() == null ? "" : " " + Arrays.toString(f.bounds()));
    }

    private static void checkName(String name) {
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
    }

    private static void checkLabel(String metric, String label) {
        if (label == null || !LABEL.matcher(label).matches() || label.startsWith("__") || label.equals("le")) {
            throw new IllegalArgumentException("label of " + metric + ": " + (label == null ? "missing" : "\""
                    + label + "\"") + " (expected: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __, not \"le\")");
        }
    }

    /** The labels of {@code family} as a name → value map, for series {@code values}. */
    public static Map<String, String> labels(Family family, List<String> values) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < family.labels().size(); i++) {
            m.put(family.labels().get(i), values.get(i));
        }
        return Collections.unmodifiableMap(m);
    }

    /** The label names of every family, for exporters that check collisions. */
    public Set<String> names() {
        return Collections.unmodifiableSet(families.keySet());
    }

    private static final class LocalCounter implements Counter {
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

    private static final class LocalGauge implements Gauge {
        private final AtomicLong bits = new AtomicLong(Double.doubleToRawLongBits(0));

        @Override
        public void set(double value) {
            bits.set(Double.doubleToRawLongBits(value));
        }

        @Override
        public void add(double delta) {
            for (long cur = bits.get(); ; cur = bits.get()) {
                if (bits.compareAndSet(cur, Double.doubleToRawLongBits(Double.longBitsToDouble(cur) + delta))) {
                    return;
                }
            }
        }

        @Override
        public double value() {
            return Double.longBitsToDouble(bits.get());
        }
    }
}
