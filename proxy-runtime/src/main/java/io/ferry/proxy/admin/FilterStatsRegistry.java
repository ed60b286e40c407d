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
 * value}}}, namespaces and keys sorted.
 *
 * <p>Thread-safe: filters register from any thread; {@link #snapshot()} runs on the admin thread and calls each
 * supplier there. A supplier that throws is left out of that snapshot and logged; the others are unaffected.
 */
public final class FilterStatsRegistry implements StatsRegistry {

    private static final Logger log = LoggerFactory.getLogger(FilterStatsRegistry.class);

    private final Map<String, Supplier<? extends Map<String, ? extends Number>>> sources = new ConcurrentHashMap<>();

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
        return out;
    }
}
