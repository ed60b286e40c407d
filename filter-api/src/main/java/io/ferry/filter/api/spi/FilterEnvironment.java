package io.ferry.filter.api.spi;

import io.ferry.filter.api.Stable;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.metrics.MetricRegistry;

import java.util.Optional;
import java.util.Set;

/**
 * The services a runtime offers to filter factories. The proxy runtime backs them with its admin server, its stats
 * and a timer thread; the test kit backs them with in-memory versions and a manual clock.
 */
@Stable
public interface FilterEnvironment {

    /** Where a filter registers its own admin endpoints (served only when the config has an {@code admin} block). */
    AdminRegistry admin();

    /** Where a filter publishes its counters, which appear in {@code GET /api/v1/stats}. */
    StatsRegistry stats();

    /**
     * Where a filter creates typed metrics (counters, gauges, histograms with labels), exported on the runtime's
     * Prometheus endpoint and listed in {@code GET /api/v1/stats}. By default a registry that keeps the values but
     * exports them nowhere; the runtime and the test kit override it.
     */
    @io.ferry.filter.api.Experimental
    default MetricRegistry metrics() {
        return DetachedMetricRegistry.INSTANCE;
    }

    /** Time and timers. Tests drive it by hand, so filters never read the system clock directly. */
    FilterScheduler scheduler();

    /**
     * The names of the clusters upstream connections can go to ({@code cluster_manager.clusters[].name}), so a filter
     * can check the clusters its config names when it is created, as {@code tcp_proxy} does. Empty in a runtime
     * without clusters; the test kit gives its in-memory clusters. Connections are opened with
     * {@link io.ferry.filter.api.ReadFilterCallbacks#upstreams()}.
     */
    @io.ferry.filter.api.Experimental
    default Set<String> clusterNames() {
        return Set.of();
    }

    /**
     * Always empty since 1.1. It was a lookup of runtime-specific services for built-in filters (the cluster manager
     * of {@code tcp_proxy}); the runtime no longer offers any through it. State a filter shares between its
     * factories belongs in {@link FilterConfig#pluginScope()}; everything else a filter may use is a method of
     * this interface.
     *
     * @deprecated a service locator has no place in the SPI; removed in filter-api 2.0
     */
    @Deprecated(since = "1.1", forRemoval = true)
    default <T> Optional<T> service(Class<T> type) {
        return Optional.empty();
    }
}
