package io.ferry.proxy.config;

import java.util.List;

/**
 * One {@code metrics.sinks[]} entry of type {@code prometheus}, MOSN's {@code promConfig}
 * (mosn/mosn pkg/metrics/sink/prometheus).
 *
 * @param path           the entry's JSON path, e.g. {@code metrics.sinks[0]}
 * @param address        where to listen: Ferry's {@code config.address}; MOSN always listens on all interfaces, which
 *                       is the default here too (with a warning)
 * @param port           {@code config.port}; MOSN requires one, Ferry also accepts 0 (an ephemeral port)
 * @param endpoint       {@code config.endpoint}, default {@code /metrics}
 * @param percentiles    {@code config.percentiles}: each histogram is also exported as these percentile gauges
 * @param collectProcess not {@code config.disable_collect_process}: the process collector (CPU time, memory, open
 *                       file descriptors, start time)
 * @param collectJvm     not {@code config.disable_collect_go}: the JVM collectors, Java's counterpart of MOSN's Go
 *                       runtime collector (memory pools, GC, threads, classes, buffer pools)
 * @param statsMatcher   {@code metrics.stats_matcher}: the series left out ({@link StatsMatcher#NONE} when absent)
 */
public record PrometheusSinkConfig(String path, String address, int port, String endpoint, List<Integer> percentiles,
                                   boolean collectProcess, boolean collectJvm, StatsMatcher statsMatcher) {

    public PrometheusSinkConfig {
        percentiles = List.copyOf(percentiles);
        statsMatcher = statsMatcher == null ? StatsMatcher.NONE : statsMatcher;
    }

    /** A sink that exports every series. */
    public PrometheusSinkConfig(String path, String address, int port, String endpoint, List<Integer> percentiles,
                                boolean collectProcess, boolean collectJvm) {
        this(path, address, port, endpoint, percentiles, collectProcess, collectJvm, StatsMatcher.NONE);
    }
}
