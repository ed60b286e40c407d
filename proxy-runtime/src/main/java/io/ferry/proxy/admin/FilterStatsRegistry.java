package io.ferry.proxy.admin;

import com.google.gson.JsonObject;
import io.ferry.filter.api.spi.StatsRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The filters' counters, shown under {@code "filters"} in {@code GET /api/v1/stats} as {@code {namespace: {key:
 * value}}}, namespaces and keys sorted: those published through {@link StatsRegistry}, and the typed metrics of
 * {@link #includeTyped} rendered as MOSN's console sink renders its registry (namespace: the labels as
 * {@code name.value} pairs joined by dots, e.g. {@code listener.ingress}; key: the series name, a counter's with
 * {@code _total}; a histogram as {@code <name>.count}, {@code .sum}, {@code .min}, {@code .max} and MOSN's percentile
 * keys {@code <name>.50.00%}, {@code .75.00%}, {@code .95.00%}, {@code .99.00%}, {@code .99.90%}).
 *
 * <p>Thread-safe: filters register from any thread; {@link #snapshot()} runs on the admin thread and calls each
 * supplier there. A supplier that throws is left out of that snapshot and logged; the others are unaffected.
 */
public final class FilterStatsRegistry implements StatsRegistry {

    private static final Logger log = LoggerFactory.getLogger(FilterStatsRegistry.class);

    private static final double[] MOSN_PERCENTS = {0.5, 0.75, 0.95, 0.99, 0.999};

    private final Map<String, Supplier<? extends Map<String, ? extends Number>>> sources = new ConcurrentHashMap<>();
    private volatile io.ferry.filter.chain.metrics.LocalMetricRegistry typed;

    /** A counter read from a source: its namespace, key and value. */
    @FunctionalInterface
    public interface CounterVisitor {
        void visit(String namespace, String key, Number value);
    }

    /** Also lists these typed metrics (the filters' {@code FilterEnvironment.metrics()}). */
    public void includeTyped(io.ferry.filter.chain.metrics.LocalMetricRegistry registry) {
        this.typed = registry;
    }

    /** Reads every source now and visits each counter; a source that throws is left out (and logged). */
    public void forEachCounter(CounterVisitor visitor) {
        for (Map.Entry<String, Supplier<? extends Map<String, ? extends Number>>> e : new TreeMap<>(sources).entrySet()) {
            Map<String, ? extends Number> counters;
            try {
                counters = e.getValue().get();
            } catch (RuntimeException ex) {
                log.warn("stats of {} could not be read: {}", e.getKey(), ex.toString());
                continue;
            }
            if (counters != null) {
                new TreeMap<String, Number>(counters).forEach((k, v) -> {
                    if (v != null) {
                        visitor.visit(e.getKey(), k, v);
                    }
                });
            }
        }
    }

    @Override
    public void register(String namespace, Supplier<? extends Map<String, ? extends Number>> counters) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(counters, "counters");
        if (namespace.isEmpty()) {
            throw new IllegalArgumentException("namespace: \"\" (expected: a non-empty name, e.g. \"tcpcopy.listener_a\")");
        }
        sources.put(namespace, counters);
    }

    @Override
    public void unregister(String namespace) {
        sources.remove(namespace);
    }

    /** The current counters of every namespace, read now. */
    public JsonObject snapshot() {
        JsonObject out = new JsonObject();
        for (Map.Entry<String, Supplier<? extends Map<String, ? extends Number>>> e : new TreeMap<>(sources).entrySet()) {
            Map<String, ? extends Number> counters;
            try {
                counters = e.getValue().get();
            } catch (RuntimeException ex) {
                log.warn("stats of {} could not be read: {}", e.getKey(), ex.toString());
                continue;
            }
            JsonObject ns = new JsonObject();
            if (counters != null) {
                new TreeMap<String, Number>(counters).forEach(ns::addProperty);
            }
            out.add(e.getKey(), ns);
        }
        io.ferry.filter.chain.metrics.LocalMetricRegistry t = typed;
        if (t != null) {
            addTyped(out, t);
        }
        return out;
    }

    private static void addTyped(JsonObject out, io.ferry.filter.chain.metrics.LocalMetricRegistry registry) {
        for (io.ferry.filter.chain.metrics.LocalMetricRegistry.Family f : registry.families()) {
            for (Map.Entry<java.util.List<String>, Object> e : new java.util.LinkedHashMap<>(f.series()).entrySet()) {
                StringBuilder ns = new StringBuilder();
                for (int i = 0; i < f.labels().size(); i++) {
                    if (i > 0) {
                        ns.append('.');
                    }
                    ns.append(f.labels().get(i)).append('.').append(e.getKey().get(i));
                }
                JsonObject o = out.has(ns.toString()) && out.get(ns.toString()).isJsonObject()
                        ? out.getAsJsonObject(ns.toString()) : new JsonObject();
                out.add(ns.toString(), o);
                Object m = e.getValue();
                try {
                    if (m instanceof io.ferry.filter.api.metrics.Counter c) {
                        o.addProperty(f.name() + "_total", c.value());
                    } else if (m instanceof io.ferry.filter.api.metrics.Gauge g) {
                        o.addProperty(f.name(), g.value());
                    } else if (m instanceof java.util.function.DoubleSupplier d) {
                        o.addProperty(f.name(), d.getAsDouble());
                    } else if (m instanceof io.ferry.filter.chain.metrics.LocalHistogram h) {
                        io.ferry.filter.chain.metrics.LocalHistogram.Snapshot snap = h.snapshot();
                        o.addProperty(f.name() + ".count", snap.count());
                        o.addProperty(f.name() + ".sum", snap.sum());
                        o.addProperty(f.name() + ".min", snap.minOrZero());
                        o.addProperty(f.name() + ".max", snap.maxOrZero());
                        for (double p : MOSN_PERCENTS) {
                            o.addProperty(f.name() + "." + String.format(java.util.Locale.ROOT, "%.2f", p * 100) + "%",
                                    snap.quantile(p));
                        }
                    }
                } catch (RuntimeException ex) {
                    log.warn("metric {} could not be read: {}", f.name(), ex.toString());
                }
            }
        }
    }
}
