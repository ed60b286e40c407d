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

    /**
     * The implementations of an extension SPI that the runtime found, for filters that are themselves extensible
     * (tcpcopy finds its dump sink providers here). The SPI is any interface whose implementations are registered in
     * {@code META-INF/services/<the SPI's binary name>}.
     *
     * <p><b>Order.</b> First those on the runtime's class path, in {@link java.util.ServiceLoader} order, then those of
     * each plugin location of the plugin directory, in the directory's name order. The runtime does not judge them:
     * two implementations that claim the same thing (a sink type, say) are both listed, and the filter decides (the
     * first one, by this order, is the usual choice).
     *
     * <p><b>Class loaders.</b> Each implementation is loaded by the class loader of the location it came from: the
     * class path's, or the isolated loader of its plugin location. A plugin's implementation is seen only if the SPI's
     * package is one that plugin loaders share with the host ({@code io.ferry.filter.api}, {@code io.ferry.dump.spi}
     * and {@code io.ferry.dump.format}); otherwise the plugin would implement its own copy of the interface, which is
     * not {@code type}.
     *
     * <p><b>Threading.</b> May be called from any thread; call it when the factory is created
     * ({@link NetworkFilterFactoryProvider#create}), not on a connection's thread, as the first call for an SPI scans
     * the plugin directory. Every call returns the same instances, shared by every filter of the runtime: they must be
     * thread-safe.
     *
     * <p>By default, an environment that finds no extensions returns an empty list: a filter that also runs embedded
     * (in the test kit, say) then falls back to {@link java.util.ServiceLoader} on its own class loader.
     *
     * @return the implementations found, in the order above; unmodifiable
     */
    @io.ferry.filter.api.Experimental
    default <T> java.util.List<T> extensions(Class<T> type) {
        return java.util.List.of();
    }
}
