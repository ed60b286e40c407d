package io.ferry.testkit.embedded;

import io.ferry.filter.api.spi.FilterEnvironment;
import io.ferry.filter.api.spi.PluginScope;
import io.ferry.filter.chain.PluginScopes;

import java.util.Objects;
import java.util.Set;

/**
 * The {@link FilterEnvironment} of the test kit: an admin registry you can {@linkplain EmbeddedAdminRegistry#call
 * call}, a stats registry you can {@linkplain EmbeddedStatsRegistry#snapshot() read}, a {@link ManualScheduler},
 * in-memory {@linkplain #clusters() clusters} for upstream connections, and the {@linkplain #pluginScope(String)
 * plugin scopes} of the filter types created with it. One environment plays one runtime: share it between several
 * {@link EmbeddedFilterChain}s to model several connections of one listener, and create several factories with it to
 * model several listeners (they share their type's plugin scope, as in the runtime). {@link #close()} closes the
 * plugin scopes, as a runtime does when it stops. Thread-safe.
 */
public final class EmbeddedEnvironment implements FilterEnvironment, AutoCloseable {

    private final EmbeddedAdminRegistry admin = new EmbeddedAdminRegistry();
    private final EmbeddedStatsRegistry stats = new EmbeddedStatsRegistry();
    private final EmbeddedMetricRegistry metrics = new EmbeddedMetricRegistry();
    private final ManualScheduler scheduler;
    private final EmbeddedClusters clusters = new EmbeddedClusters();
    private final PluginScopes scopes = new PluginScopes();

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

    /** The plugin scope of filter {@code type} in this environment: what {@code FilterConfig.pluginScope()} gives. */
    public PluginScope pluginScope(String type) {
        return scopes.of(type);
    }

    /** Closes the plugin scopes (their {@link AutoCloseable} values), as the runtime does when it stops. */
    @Override
    public void close() {
        scopes.close();
    }
}
