package io.ferry.proxy.metrics;

import io.ferry.filter.chain.metrics.LocalHistogram;
import io.ferry.filter.chain.metrics.LocalMetricRegistry;
import io.ferry.filter.api.metrics.Counter;
import io.ferry.filter.api.metrics.Gauge;
import io.ferry.proxy.admin.FilterStatsRegistry;
import io.ferry.proxy.cluster.Cluster;
import io.ferry.proxy.cluster.ClusterManager;
import io.ferry.proxy.cluster.Host;
import io.ferry.proxy.config.StatsMatcher;
import io.ferry.proxy.stats.ClusterStats;
import io.ferry.proxy.stats.ConnectionCounters;
import io.ferry.proxy.stats.ListenerStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Ferry's series for Prometheus, named after MOSN's ({@code pkg/metrics/downstream.go}, {@code upstream.go}), read
 * from the runtime's counters at scrape time.
 *
 * <table>
 *   <caption>series</caption>
 *   <tr><th>series</th><th>type</th><th>labels</th><th>what</th></tr>
 *   <tr><td>{@code downstream_connection_total}</td><td>counter</td><td>listener</td><td>connections accepted</td></tr>
 *   <tr><td>{@code downstream_connection_destroy_total}</td><td>counter</td><td>listener</td><td>connections closed (MOSN: {@code downstream_connection_destroy})</td></tr>
 *   <tr><td>{@code downstream_connection_active}</td><td>gauge</td><td>listener</td><td>connections open</td></tr>
 *   <tr><td>{@code downstream_connection_reset_total}</td><td>counter</td><td>listener</td><td>connections the proxy reset</td></tr>
 *   <tr><td>{@code downstream_bytes_read_total}, {@code downstream_bytes_write_total}</td><td>counter</td><td>listener</td><td>bytes from and to clients</td></tr>
 *   <tr><td>{@code downstream_connection_duration_seconds}</td><td>histogram</td><td>listener</td><td>how long client connections were open</td></tr>
 *   <tr><td>{@code upstream_connection_total}</td><td>counter</td><td>cluster[, host]</td><td>upstream connections established</td></tr>
 *   <tr><td>{@code upstream_connection_close_total}</td><td>counter</td><td>cluster[, host]</td><td>upstream connections closed (MOSN: {@code upstream_connection_close})</td></tr>
 *   <tr><td>{@code upstream_connection_active}</td><td>gauge</td><td>cluster[, host]</td><td>upstream connections open</td></tr>
 *   <tr><td>{@code upstream_connection_con_fail_total}</td><td>counter</td><td>cluster[, host]</td><td>failed connect attempts (MOSN: {@code upstream_connection_con_fail})</td></tr>
 *   <tr><td>{@code upstream_connection_reset_total}</td><td>counter</td><td>cluster[, host]</td><td>upstream connections the proxy reset</td></tr>
 *   <tr><td>{@code upstream_connection_bytes_read_total}</td><td>counter</td><td>cluster[, host]</td><td>bytes from upstreams</td></tr>
 *   <tr><td>{@code upstream_connection_bytes_write_total}</td><td>counter</td><td>cluster[, host]</td><td>bytes to upstreams (MOSN: {@code upstream_connection_bytes_write})</td></tr>
 *   <tr><td>{@code upstream_connection_no_upstream_total}</td><td>counter</td><td>cluster</td><td>client connections closed because no host could be reached</td></tr>
 *   <tr><td>{@code upstream_circuit_breaker_overflow_total}</td><td>counter</td><td>cluster</td><td>client connections refused by {@code max_connections}</td></tr>
 *   <tr><td>{@code upstream_connect_time_seconds}</td><td>histogram</td><td>cluster[, host]</td><td>how long successful connects took</td></tr>
 *   <tr><td>{@code upstream_connection_duration_seconds}</td><td>histogram</td><td>cluster[, host]</td><td>how long upstream connections were open</td></tr>
 * </table>
 * As in MOSN, every {@code upstream_*} series exists once per cluster (label {@code cluster}) and once per host
 * ({@code cluster} and {@code host}): sum one or the other, not both. Prometheus requires a counter's sample to end in
 * {@code _total}; where MOSN's name does not, the suffix is added. Every histogram also has MOSN's gauges
 * {@code <name>_min} and {@code <name>_max} (over the process's life) and, for each configured percentile,
 * {@code <name>_percentile{percentile="P99"}} (estimated from the buckets, as PromQL's {@code histogram_quantile}).
 *
 * <p>Filters' typed metrics ({@link LocalMetricRegistry}) follow under their own names; counters published through
 * {@code StatsRegistry} appear as untyped series {@code <first part of the namespace>_<key>} with the label
 * {@code namespace} (tcpcopy's {@code captured_records} of listener {@code ingress} is
 * {@code tcpcopy_captured_records{namespace="tcpcopy.ingress"}}).
 *
 * <p>{@code metrics.stats_matcher} ({@link StatsMatcher}) leaves series out: a family whose key is excluded, a data
 * point that has an excluded label (with the {@code _min}, {@code _max} and percentile gauges of its histogram), or
 * everything with {@code reject_all}.
 *
 * <h2>Threading</h2>
 * {@link #collect()} runs on the scraping thread. It reads {@code LongAdder}s, compare-and-set cells and concurrent
 * maps and takes no lock an event loop could wait on; nothing it does is seen by the data path.
 */
public final class FerryCollector implements MultiCollector {

    private static final Logger LOG = LoggerFactory.getLogger(FerryCollector.class);

    private final List<ListenerStats> listeners;
    private final ClusterManager clusters;
    private final LocalMetricRegistry filterMetrics;
    private final FilterStatsRegistry filterStats;
    private final List<Integer> percentiles;
    private final StatsMatcher matcher;
    private final Set<String> collisionsLogged = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * @param listeners     every listener's counters (read at each scrape)
     * @param clusters      the clusters, or null
     * @param filterMetrics the filters' typed metrics
     * @param filterStats   the counters filters publish through {@code StatsRegistry}, or null
     * @param percentiles   the percentile gauges to add to each histogram, e.g. [50, 90, 99]
     */
    public FerryCollector(List<ListenerStats> listeners, ClusterManager clusters, LocalMetricRegistry filterMetrics,
                          FilterStatsRegistry filterStats, List<Integer> percentiles) {
        this(listeners, clusters, filterMetrics, filterStats, percentiles, StatsMatcher.NONE);
    }

    /** As above, leaving out what {@code matcher} excludes. */
    public FerryCollector(List<ListenerStats> listeners, ClusterManager clusters, LocalMetricRegistry filterMetrics,
                          FilterStatsRegistry filterStats, List<Integer> percentiles, StatsMatcher matcher) {
        this.listeners = List.copyOf(listeners);
        this.clusters = clusters;
        this.filterMetrics = filterMetrics;
        this.filterStats = filterStats;
        this.percentiles = List.copyOf(percentiles);
        this.matcher = matcher == null ? StatsMatcher.NONE : matcher;
    }

    @Override
    public MetricSnapshots collect() {
        if (matcher.rejectAll()) {
            return new MetricSnapshots(List.of());
        }
        Out out = new Out();
        downstream(out);
        upstream(out);
        filters(out);
        legacy(out);
        return new MetricSnapshots(out.snapshots);
    }

    /** Collects snapshots, refusing a second family of a name already emitted. */
    private final class Out {
        final List<MetricSnapshot> snapshots = new ArrayList<>();
        final Set<String> names = new HashSet<>();

        boolean claim(String name) {
            if (names.add(name)) {
                return true;
            }
            if (collisionsLogged.add(name)) {
                LOG.warn("metrics: a second family named {} is left out of the Prometheus export (names must be"
                        + " unique)", name);
            }
            return false;
        }

        void add(MetricSnapshot s) {
            if (s != null) {
                snapshots.add(s);
            }
        }
    }

    // ---- runtime series ---------------------------------------------------------------------------------------

    private record Series<T>(Labels labels, T source) {
    }

    /** {@code series} without the data points that have a label {@code stats_matcher} excludes. */
    private <T> List<Series<T>> kept(List<Series<T>> series) {
        if (matcher.exclusionLabels().isEmpty()) {
            return series;
        }
        List<Series<T>> out = new ArrayList<>(series.size());
        for (Series<T> s : series) {
            if (!excludedLabels(s.labels())) {
                out.add(s);
            }
        }
        return out;
    }

    private boolean excludedLabels(Labels labels) {
        for (int i = 0; i < labels.size(); i++) {
            if (matcher.excludesLabel(labels.getName(i))) {
                return true;
            }
        }
        return false;
    }

    private void downstream(Out out) {
        List<Series<ConnectionCounters>> ls = new ArrayList<>();
        for (ListenerStats l : listeners) {
            ls.add(new Series<>(Labels.of("listener", l.name()), l));
        }
        connectionSeries(out, "downstream", ls, "downstream_bytes_read", "downstream_bytes_write",
                "client connections");
    }

    private void upstream(Out out) {
        List<Series<ConnectionCounters>> all = new ArrayList<>();
        List<Series<ClusterStats>> clusterOnly = new ArrayList<>();
        List<Series<ClusterStats>> withHosts = new ArrayList<>();
        if (clusters != null) {
            for (Cluster c : clusters.clusters().values()) {
                Series<ClusterStats> cs = new Series<>(Labels.of("cluster", c.name()), c.stats());
                all.add(new Series<>(cs.labels(), c.stats()));
                clusterOnly.add(cs);
                withHosts.add(cs);
                for (Host h : c.hosts()) {
                    Labels hl = Labels.of("cluster", c.name(), "host", h.address());
                    all.add(new Series<>(hl, h.stats()));
                    withHosts.add(new Series<>(hl, h.stats()));
                }
            }
        }
        connectionSeries(out, "upstream", all, "upstream_connection_bytes_read", "upstream_connection_bytes_write",
                "upstream connections");
        counter(out, "upstream_connection_con_fail", "Failed upstream connect attempts", withHosts,
                s -> s.connectFailures());
        counter(out, "upstream_connection_no_upstream", "Client connections closed because no upstream host could be"
                + " reached", clusterOnly, s -> s.connectionsNoUpstream());
        counter(out, "upstream_circuit_breaker_overflow", "Client connections refused by the cluster's"
                + " max_connections", clusterOnly, s -> s.overflowCount());
        List<Series<LocalHistogram>> connect = new ArrayList<>();
        for (Series<ClusterStats> s : withHosts) {
            connect.add(new Series<>(s.labels(), s.source().connectTime()));
        }
        histogram(out, "upstream_connect_time_seconds", "How long successful upstream connects took, in seconds",
                connect);
    }

    /** The series every listener, cluster and host has, for {@code type} downstream or upstream. */
    private void connectionSeries(Out out, String type, List<Series<ConnectionCounters>> series, String bytesRead,
                                  String bytesWrite, String what) {
        boolean down = type.equals("downstream");
        counter(out, type + "_connection_total", (down ? "Client connections accepted" : "Upstream connections"
                + " established"), series, c -> c.connectionsTotal());
        counter(out, type + (down ? "_connection_destroy" : "_connection_close"), "Closed " + what, series,
                c -> c.connectionsTotal() - c.connectionsActive());
        gauge(out, type + "_connection_active", "Open " + what, series, c -> c.connectionsActive());
        counter(out, type + "_connection_reset", "Reset " + what + " (bytes pending towards the peer could not be"
                + " delivered)", series, c -> c.resets());
        counter(out, bytesRead, "Bytes read on " + what, series, c -> c.bytesIn());
        counter(out, bytesWrite, "Bytes written on " + what, series, c -> c.bytesOut());
        List<Series<LocalHistogram>> durations = new ArrayList<>();
        for (Series<ConnectionCounters> s : series) {
            durations.add(new Series<>(s.labels(), s.source().connectionDuration()));
        }
        histogram(out, type + "_connection_duration_seconds", "How long " + what + " were open, in seconds",
                durations);
    }

    private <T> void counter(Out out, String name, String help, List<Series<T>> series, ToDoubleFunction<T> value) {
        series = kept(series);
        if (series.isEmpty() || matcher.excludesName(name) || !out.claim(name)) {
            return;
        }
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (Series<T> s : series) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(s.labels())
                    .value(value.applyAsDouble(s.source())).build());
        }
        out.add(b.build());
    }

    private <T> void gauge(Out out, String name, String help, List<Series<T>> series, ToDoubleFunction<T> value) {
        series = kept(series);
        if (series.isEmpty() || matcher.excludesName(name) || !out.claim(name)) {
            return;
        }
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (Series<T> s : series) {
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(s.labels())
                    .value(value.applyAsDouble(s.source())).build());
        }
        out.add(b.build());
    }

    /** A classic histogram, plus MOSN's {@code _min}, {@code _max} and percentile gauges. */
    private void histogram(Out out, String name, String help, List<Series<LocalHistogram>> series) {
        series = kept(series);
        if (series.isEmpty() || matcher.excludesName(name) || !out.claim(name)) {
            return;
        }
        List<Series<LocalHistogram.Snapshot>> snaps = new ArrayList<>();
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(help);
        for (Series<LocalHistogram> s : series) {
            LocalHistogram.Snapshot snap = s.source().snapshot();
            snaps.add(new Series<>(s.labels(), snap));
            double[] bounds = new double[snap.bounds().length + 1];
            System.arraycopy(snap.bounds(), 0, bounds, 0, snap.bounds().length);
            bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(s.labels())
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, snap.counts()))
                    .sum(snap.sum()).build());
        }
        out.add(b.build());
        gauge(out, name + "_min", "The smallest value of " + name, snaps, LocalHistogram.Snapshot::minOrZero);
        gauge(out, name + "_max", "The largest value of " + name, snaps, LocalHistogram.Snapshot::maxOrZero);
        if (!percentiles.isEmpty() && out.claim(name + "_percentile")) {
            GaugeSnapshot.Builder p = GaugeSnapshot.builder().name(name + "_percentile")
                    .help("Percentiles of " + name + ", estimated from its buckets");
            for (Series<LocalHistogram.Snapshot> s : snaps) {
                for (int pc : percentiles) {
                    p.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                            .labels(s.labels().add("percentile", "P" + pc))
                            .value(s.source().quantile(pc / 100.0)).build());
                }
            }
            out.add(p.build());
        }
    }

    // ---- filters ----------------------------------------------------------------------------------------------

    private void filters(Out out) {
        if (filterMetrics == null) {
            return;
        }
        for (LocalMetricRegistry.Family f : filterMetrics.families()) {
            List<Map.Entry<Labels, Object>> series = new ArrayList<>();
            for (Map.Entry<List<String>, Object> e : new LinkedHashMap<>(f.series()).entrySet()) {
                series.add(Map.entry(labels(f, e.getKey()), e.getValue()));
            }
            if (series.isEmpty()) {
                continue;
            }
            try {
                switch (f.type()) {
                    case COUNTER -> counter(out, f.name(), f.help(), asSeries(series),
                            o -> ((Counter) o).value());
                    case GAUGE -> gauge(out, f.name(), f.help(), asSeries(series),
                            o -> o instanceof Gauge g ? g.value() : ((DoubleSupplier) o).getAsDouble());
                    case HISTOGRAM -> {
                        List<Series<LocalHistogram>> hs = new ArrayList<>();
                        for (Map.Entry<Labels, Object> e : series) {
                            hs.add(new Series<>(e.getKey(), (LocalHistogram) e.getValue()));
                        }
                        histogram(out, f.name(), f.help(), hs);
                    }
                    default -> { }
                }
            } catch (RuntimeException e) {
                LOG.warn("metrics: the filter metric {} could not be read: {}", f.name(), e.toString());
            }
        }
    }

    private static List<Series<Object>> asSeries(List<Map.Entry<Labels, Object>> series) {
        List<Series<Object>> out = new ArrayList<>();
        for (Map.Entry<Labels, Object> e : series) {
            out.add(new Series<>(e.getKey(), e.getValue()));
        }
        return out;
    }

    private static Labels labels(LocalMetricRegistry.Family f, List<String> values) {
        Labels.Builder b = Labels.builder();
        for (int i = 0; i < f.labels().size(); i++) {
            b.label(f.labels().get(i), values.get(i));
        }
        return b.build();
    }

    /** {@code StatsRegistry} counters: untyped {@code <first namespace part>_<key>{namespace="..."}}. */
    private void legacy(Out out) {
        if (filterStats == null) {
            return;
        }
        Map<String, UnknownSnapshot.Builder> byName = new LinkedHashMap<>();
        filterStats.forEachCounter((namespace, key, value) -> {
            if (matcher.excludesKey(key) || matcher.excludesLabel("namespace")) {
                return;
            }
            int dot = namespace.indexOf('.');
            String name = flatten((dot < 0 ? namespace : namespace.substring(0, dot)) + "_" + key);
            byName.computeIfAbsent(name, n -> UnknownSnapshot.builder().name(n)
                            .help("Published by a filter through StatsRegistry"))
                    .dataPoint(UnknownSnapshot.UnknownDataPointSnapshot.builder()
                            .labels(Labels.of("namespace", namespace)).value(value.doubleValue()).build());
        });
        byName.forEach((name, b) -> {
            if (out.claim(name)) {
                out.add(b.build());
            }
        });
    }

    /** MOSN's {@code flattenKey}: every character outside {@code [a-zA-Z0-9_:]} becomes {@code _}. */
    static String flatten(String key) {
        StringBuilder sb = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            sb.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == ':' ? c : '_');
        }
        if (sb.length() == 0 || Character.isDigit(sb.charAt(0))) {
            sb.insert(0, '_');
        }
        return sb.toString();
    }
}
