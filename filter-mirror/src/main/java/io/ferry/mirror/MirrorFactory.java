package io.ferry.mirror;

import com.google.gson.JsonObject;
import io.ferry.filter.api.FactoryInitializer;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.spi.FilterEnvironment;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.spi.StatsRegistry;
import io.ferry.filter.api.upstream.UpstreamRoute;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The factory of one {@code tcp_mirror} entry, serving one listener: it adds a {@link MirrorFilter} (read and write
 * filter) to each connection, and holds the listener's {@link MirrorReport}, its runtime settings ({@code percent},
 * on/off, changed through the admin API) and the way to the verdict log.
 *
 * <h2>Threading</h2>
 * Connection threads call {@link #createFilterChain}, {@link #sample} and {@link #verdict}; they read volatile
 * settings and update the lock-free report. The admin thread calls {@link #update} and {@link #reportJson}.
 */
final class MirrorFactory implements NetworkFilterChainFactory, FactoryInitializer, AutoCloseable {

    /** Verdicts the report keeps for {@code GET /api/v1/tcp_mirror/report}. */
    static final int LATEST = 64;

    private final MirrorHub hub;
    private final MirrorConfig config;
    private final FilterScheduler scheduler;
    private final StatsRegistry stats;
    private final VerdictLog log;
    private final UpstreamRoute route;
    private volatile MirrorReport report = new MirrorReport("", LATEST);
    private volatile String listener = "";
    private volatile double percent;
    private volatile boolean enabled;

    MirrorFactory(MirrorHub hub, MirrorConfig config, FilterEnvironment environment, VerdictLog log) {
        this.hub = hub;
        this.config = config;
        this.scheduler = environment.scheduler();
        this.stats = environment.stats();
        this.log = log;
        this.route = UpstreamRoute.toCluster(config.cluster());
        this.percent = config.percent();
        this.enabled = config.enabled();
    }

    @Override
    public void init(ListenerInfo info) {
        String name = info.name();
        this.report = new MirrorReport(name, LATEST);
        this.listener = name;
        hub.attach(name, this);
        stats.register(MirrorProvider.TYPE + "." + name, this::counters);
    }

    @Override
    public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
        MirrorFilter f = new MirrorFilter(this);
        callbacks.addReadFilter(f);
        callbacks.addWriteFilter(f);
    }

    MirrorConfig config() {
        return config;
    }

    FilterScheduler scheduler() {
        return scheduler;
    }

    UpstreamRoute route() {
        return route;
    }

    MirrorReport report() {
        return report;
    }

    String listenerName() {
        return listener;
    }

    /** Whether a new connection is mirrored: decided once, in its {@code onNewConnection}. Allocates nothing. */
    boolean sample() {
        double p = percent;
        boolean yes = enabled && p > 0 && (p >= 100 || ThreadLocalRandom.current().nextDouble() * 100 < p);
        if (yes) {
            report.mirrored(config.copies());
        } else {
            report.notSampled();
        }
        return yes;
    }

    /** Changes the settings for new connections ({@code null}: unchanged). */
    void update(Double newPercent, Boolean newEnabled) {
        if (newPercent != null) {
            percent = newPercent;
        }
        if (newEnabled != null) {
            enabled = newEnabled;
        }
    }

    double percent() {
        return percent;
    }

    boolean enabled() {
        return enabled;
    }

    /** The verdict of one shadow connection: into the report, the counters and the verdict log. */
    void verdict(long connection, int copy, String client, String shadow, Verdict v, long primaryLatencyNanos,
                 long shadowLatencyNanos, long bytesToShadow) {
        long pl = primaryLatencyNanos < 0 ? -1 : primaryLatencyNanos / 1000;
        long sl = shadowLatencyNanos < 0 ? -1 : shadowLatencyNanos / 1000;
        Instant at = Instant.ofEpochMilli(scheduler.currentTimeMillis());
        report.verdict(new MirrorReport.Entry(at, connection, copy, client, v, pl, sl));
        if (log != null) {
            log.offer(VerdictLine.json(at, listener, connection, copy, client, shadow, config.cluster(), v, pl, sl,
                    bytesToShadow));
        }
    }

    Map<String, Long> counters() {
        Map<String, Long> m = report.counters();
        if (log != null) {
            m.put("verdict_log_written", log.written());
            m.put("verdict_log_dropped", log.dropped());
        }
        return m;
    }

    JsonObject reportJson() {
        JsonObject o = report.toJson();
        JsonObject s = new JsonObject();
        s.addProperty("cluster", config.cluster());
        s.addProperty("enabled", enabled);
        s.addProperty("percent", percent);
        s.addProperty("copies", config.copies());
        s.addProperty("compare", config.compare());
        s.addProperty("max_buffer", config.maxBuffer());
        s.addProperty("grace_ms", config.grace().toMillis());
        s.addProperty("verdict_log", log == null ? null : log.path().toString());
        o.add("settings", s);
        JsonObject c = o.getAsJsonObject("counters");
        if (log != null) {
            c.addProperty("verdict_log_written", log.written());
            c.addProperty("verdict_log_dropped", log.dropped());
        }
        return o;
    }

    @Override
    public void close() {
        String name = listener;
        if (!name.isEmpty()) {
            stats.unregister(MirrorProvider.TYPE + "." + name);
            hub.detach(name, this);
        }
    }
}
