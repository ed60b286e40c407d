package io.ferry.testkit.embedded;

import io.ferry.filter.api.spi.FilterEnvironment;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link FilterEnvironment} of the test kit: an admin registry you can {@linkplain EmbeddedAdminRegistry#call
 * call}, a stats registry you can {@linkplain EmbeddedStatsRegistry#snapshot() read}, a {@link ManualScheduler}, a
 * service map and in-memory {@linkplain #clusters() clusters} for upstream connections. Share one between several {@link EmbeddedFilterChain}s to model several connections of one listener.
 * Thread-safe.
 */
public final class EmbeddedEnvironment implements FilterEnvironment {

    private final EmbeddedAdminRegistry admin = new EmbeddedAdminRegistry();
    private final EmbeddedStatsRegistry stats = new EmbeddedStatsRegistry();
    private final EmbeddedMetricRegistry metrics = new EmbeddedMetricRegistry();
    private final ManualScheduler scheduler;
    private final Map<Class<?>, Object> services = new ConcurrentHashMap<>();
    private final EmbeddedClusters clusters = new EmbeddedClusters();

    public EmbeddedEnvironment() {
        this(new ManualScheduler());
    }

    public EmbeddedEnvironment(ManualScheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    @Override
    public EmbeddedAdminRegistry admin() {
        return admin;
    }

    @Override
    public EmbeddedStatsRegistry stats() {
        return stats;
    }

    /** The filters' typed metrics, in memory, with lookups for assertions. */
    @Override
    public EmbeddedMetricRegistry metrics() {
        return metrics;
    }

    @Override
    public ManualScheduler scheduler() {
        return scheduler;
    }

    /**
     * The in-memory clusters: add the ones your filter's config names, then inspect the upstream connections its
     * filters open ({@code ReadFilterCallbacks.upstreams()}).
     */
    public EmbeddedClusters clusters() {
        return clusters;
    }

    /** The names of the {@linkplain #clusters() in-memory clusters}. */
    @Override
    public Set<String> clusterNames() {
        return clusters.names();
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        return Optional.ofNullable(type.cast(services.get(type)));
    }

    /** Makes {@code service} available through {@link #service(Class)}; returns this environment. */
    public <T> EmbeddedEnvironment registerService(Class<T> type, T service) {
        services.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(service, "service"));
        return this;
    }
}
