package io.ferry.testkit.embedded;

import io.ferry.filter.api.spi.StatsRegistry;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** An in-memory {@link StatsRegistry}; {@link #snapshot()} reads every registered source, as the stats endpoint does. */
public final class EmbeddedStatsRegistry implements StatsRegistry {

    private final Map<String, Supplier<? extends Map<String, ? extends Number>>> sources = new ConcurrentHashMap<>();

    @Override
    public void register(String namespace, Supplier<? extends Map<String, ? extends Number>> counters) {
        sources.put(Objects.requireNonNull(namespace, "namespace"), Objects.requireNonNull(counters, "counters"));
    }

    @Override
    public void unregister(String namespace) {
        sources.remove(namespace);
    }

    /** Every namespace's counters, namespaces sorted, read now. */
    public Map<String, Map<String, Number>> snapshot() {
        Map<String, Map<String, Number>> out = new TreeMap<>();
        sources.forEach((ns, supplier) -> out.put(ns, Collections.unmodifiableMap(new LinkedHashMap<>(supplier.get()))));
        return Collections.unmodifiableMap(out);
    }

    /** The counters of {@code namespace}, read now; empty if nothing is registered under it. */
    public Map<String, Number> snapshot(String namespace) {
        Supplier<? extends Map<String, ? extends Number>> s = sources.get(namespace);
        return s == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(s.get()));
    }
}
