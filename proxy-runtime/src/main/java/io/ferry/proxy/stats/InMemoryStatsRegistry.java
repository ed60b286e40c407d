package io.ferry.proxy.stats;

import com.google.gson.JsonObject;
import io.ferry.filter.api.spi.StatsRegistry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The filters' {@link StatsRegistry} when no admin server is configured: sources are kept and can be read with
 * {@link #snapshot()}, so counters are never lost to a missing admin block. Thread-safe.
 */
public final class InMemoryStatsRegistry implements StatsRegistry {

    private final Map<String, Supplier<? extends Map<String, ? extends Number>>> sources = new ConcurrentHashMap<>();

    @Override
    public void register(String namespace, Supplier<? extends Map<String, ? extends Number>> counters) {
        sources.put(namespace, counters);
    }

    @Override
    public void unregister(String namespace) {
        sources.remove(namespace);
    }

    /** {@code {namespace: {counter: value}}}, namespaces sorted. */
    public JsonObject snapshot() {
        JsonObject all = new JsonObject();
        new TreeMap<>(sources).forEach((ns, supplier) -> {
            JsonObject o = new JsonObject();
            supplier.get().forEach(o::addProperty);
            all.add(ns, o);
        });
        return all;
    }
}
