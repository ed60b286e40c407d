package io.ferry.filter.api.spi;

import io.ferry.filter.api.Stable;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Publishes a filter's counters. {@code GET /api/v1/stats} lists them under {@code "filters"}, by namespace.
 */
@Stable
public interface StatsRegistry {

    /**
     * Registers a source of counters under {@code namespace} (e.g. {@code "tcpcopy.listener_a"}); a later
     * registration under the same namespace replaces the earlier one. {@code counters} is called on the admin thread
     * whenever stats are read, and must be thread-safe and cheap.
     */
    void register(String namespace, Supplier<? extends Map<String, ? extends Number>> counters);

    /** Removes the source registered under {@code namespace}, if any. */
    void unregister(String namespace);
}
