package io.ferry.proxy.metrics;

import io.ferry.proxy.admin.HttpLimits;
import io.ferry.proxy.admin.HttpEndpoint;
import io.ferry.proxy.config.PrometheusSinkConfig;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * MOSN's {@code prometheus} metrics sink: serves Ferry's series ({@link FerryCollector}), the JVM's and the process's
 * on {@code http://<address>:<port><endpoint>}, in the Prometheus text format (0.0.4), or in OpenMetrics 1.0 when the
 * scraper asks for it ({@code Accept: application/openmetrics-text}), as Prometheus itself does.
 *
 * <p>{@code disable_collect_go} maps to the JVM collectors (memory and memory pools, buffer pools, GC, threads,
 * class loading, JIT compilation, runtime info: {@code jvm_*}), the JVM's counterpart of Go's runtime collector;
 * {@code disable_collect_process} to the process collector ({@code process_cpu_seconds_total},
 * {@code process_resident_memory_bytes}, {@code process_open_fds}, {@code process_start_time_seconds}, ...).
 *
 * <p>Scrapes are served by an HTTP server of the sink's own ({@code ferry-metrics-io} reads, two
 * {@code ferry-metrics-N} threads answer) with the admin server's limits ({@link HttpLimits}); a scrape reads
 * counters without locks and never runs on a proxy event loop. Only {@code GET} and {@code HEAD} of the endpoint are
 * answered; other paths get 404.
 */
public final class PrometheusSink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusSink.class);

    private final PrometheusSinkConfig config;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final HttpEndpoint server;

    /**
     * @param config    the sink's config
     * @param collector Ferry's series
     * @param limits    the HTTP server's timeouts and connection cap
     */
    public PrometheusSink(PrometheusSinkConfig config, FerryCollector collector, HttpLimits limits) {
        this.config = Objects.requireNonNull(config, "config");
        registry.register(collector);
        if (config.collectJvm()) {
            JvmThreadsMetrics.builder().register(registry);
            JvmBufferPoolMetrics.builder().register(registry);
            JvmClassLoadingMetrics.builder().register(registry);
            JvmCompilationMetrics.builder().register(registry);
            JvmGarbageCollectorMetrics.builder().register(registry);
            JvmMemoryMetrics.builder().register(registry);
            JvmRuntimeInfoMetric.builder().register(registry);
        }
        if (config.collectProcess()) {
            ProcessMetrics.builder().register(registry);
        }
        this.server = new HttpEndpoint("ferry-metrics", limits, this::serve);
    }

    /**
     * Binds and starts serving.
     *
     * @return the bound address (the real port when the config asks for 0)
     * @throws IOException if the address cannot be bound
     */
    public InetSocketAddress start() throws IOException {
        String host = config.address() == null || config.address().isEmpty() ? "0.0.0.0" : config.address();
        InetSocketAddress bound = server.start(new InetSocketAddress(host, config.port()));
        LOG.info("prometheus metrics on http://{}:{}{}", host, bound.getPort(), config.endpoint());
        return bound;
    }

    /** The text a scrape with this {@code Accept} header gets now, and its content type (for tests and tools). */
    public Map.Entry<String, byte[]> scrape(String accept) throws IOException {
        ExpositionFormatWriter writer = formats.findWriter(accept);
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        writer.write(out, registry.scrape());
        return Map.entry(writer.getContentType(), out.toByteArray());
    }

    private HttpEndpoint.Response serve(HttpEndpoint.Request request) throws IOException {
        if (!request.path().equals(config.endpoint())) {
            return HttpEndpoint.Response.text(404, "text/plain; charset=utf-8",
                    "metrics are served at " + config.endpoint() + "\n");
        }
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return new HttpEndpoint.Response(405, "text/plain; charset=utf-8", Map.of("Allow", "GET, HEAD"),
                    (request.method() + " is not allowed on " + config.endpoint() + "\n").getBytes(
                            java.nio.charset.StandardCharsets.UTF_8));
        }
        Map.Entry<String, byte[]> body = scrape(request.headers().get("accept"));
        return new HttpEndpoint.Response(200, body.getKey(), Map.of(), body.getValue());
    }

    /** Stops serving; idempotent. */
    @Override
    public void close() {
        server.close();
    }
}
