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
 */
public record PrometheusSinkConfig(String path, String address, int port, String endpoint, List<Integer> percentiles,
                                   boolean collectProcess, boolean collectJvm) {

    public PrometheusSinkConfig {
        percentiles = List.copyOf(percentiles);
    }
}
