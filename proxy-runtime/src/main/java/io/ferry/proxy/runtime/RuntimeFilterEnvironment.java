package io.ferry.proxy.runtime;

import io.ferry.filter.api.admin.AdminHandler;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.spi.FilterEnvironment;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.spi.StatsRegistry;
import io.ferry.filter.api.metrics.MetricRegistry;


import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link FilterEnvironment} of the proxy runtime: the admin server (or a registry that accepts endpoints and
 * serves nothing, when no {@code admin} block is configured), the stats registry, the typed metrics (exported by the
 * prometheus sinks), the shared timer thread, and the
 * names of the clusters (upstream connections themselves are opened through {@code ReadFilterCallbacks.upstreams()}).
 * Thread-safe.
 */
final class RuntimeFilterEnvironment implements FilterEnvironment {

    private final AdminRegistry admin;
    private final StatsRegistry stats;
    private final FilterScheduler scheduler;
    private final MetricRegistry metrics;
    private final Set<String> clusterNames;

    RuntimeFilterEnvironment(AdminRegistry admin, StatsRegistry stats, MetricRegistry metrics,
                             FilterScheduler scheduler, Set<String> clusterNames) {
        this.clusterNames = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(clusterNames));
        this.admin = admin;
        this.metrics = metrics;
        this.stats = stats;
        this.scheduler = scheduler;
    }

    @Override
    public AdminRegistry admin() {
        return admin;
    }

    @Override
    public StatsRegistry stats() {
        return stats;
    }

    @Override
    public MetricRegistry metrics() {
        return metrics;
    }

    @Override
    public FilterScheduler scheduler() {
        return scheduler;
    }

    /** The names of {@code cluster_manager}'s clusters. */
    @Override
    public Set<String> clusterNames() {
        return clusterNames;
    }

    /**
     * The admin registry when no admin server is configured: endpoints are accepted (and duplicate registrations
     * refused, as by the real one) but never served.
     */
    static final class DetachedAdminRegistry implements AdminRegistry {
        private final Set<String> taken = ConcurrentHashMap.newKeySet();

        @Override
        public void register(String method, String path, AdminHandler handler) {
            if (!taken.add(method + " " + path)) {
                throw new IllegalStateException("admin endpoint " + method + " " + path + " is already registered");
            }
        }
    }
}
