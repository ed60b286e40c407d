package io.ferry.proxy.it;

import io.ferry.filter.api.FactoryInitializer;
import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Filters registered for the tests only (see the test resources' META-INF/services). */
final class TestFilters {

    /** What the probe factories observed, for assertions. */
    static final List<String> EVENTS = new CopyOnWriteArrayList<>();

    private TestFilters() {
    }

    /**
     * {@code test.probe}: records init with its listener, its config map, a timer run's thread, and close. Config:
     * {@code {"fail_init": bool}}.
     */
    public static final class ProbeProvider implements NetworkFilterFactoryProvider {
        @Override
        public String type() {
            return "test.probe";
        }

        @Override
        public String apiVersion() {
            return FilterApi.VERSION;
        }

        @Override
        public NetworkFilterChainFactory create(FilterConfig config) {
            Map<String, Object> map = config.asMap();
            EVENTS.add("create " + config.path() + " " + map);
            config.environment().scheduler().schedule(
                    () -> EVENTS.add("timer on " + Thread.currentThread().getName()), 0, TimeUnit.MILLISECONDS);
            config.environment().stats().register("probe", () -> Map.of("created", 1));
            return new Probe(Boolean.TRUE.equals(map.get("fail_init")));
        }
    }

    /**
     * {@code test.vault}: a careless filter. It declares {@code vault_blob} secret, logs its whole config at INFO
     * and, with {@code "fail": true}, fails with a message that quotes {@code vault_blob}: the runtime must hide the
     * value in all three places.
     */
    public static final class VaultProvider implements NetworkFilterFactoryProvider {
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VaultProvider.class);

        @Override
        public String type() {
            return "test.vault";
        }

        @Override
        public String apiVersion() {
            return FilterApi.VERSION;
        }

        @Override
        public java.util.Set<String> secretFields() {
            return java.util.Set.of("vault_blob");
        }

        @Override
        public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {
            LOG.info("vault filter config: {}", config.json());
            if (Boolean.TRUE.equals(config.asMap().get("fail"))) {
                throw new IllegalStateException("cannot open the vault with " + config.asMap().get("vault_blob"));
            }
            return (context, callbacks) -> { };
        }
    }

    /**
     * {@code test.metered}: a filter with typed metrics, labelled by listener: a counter of the bytes it read
     * ({@code test_metered_bytes}), a gauge of its open connections ({@code test_metered_open}) and a histogram of
     * the size of each read ({@code test_metered_read_bytes}). Passes every byte on.
     */
    public static final class MeteredProvider implements NetworkFilterFactoryProvider {
        @Override
        public String type() {
            return "test.metered";
        }

        @Override
        public String apiVersion() {
            return FilterApi.VERSION;
        }

        @Override
        public NetworkFilterChainFactory create(FilterConfig config) {
            io.ferry.filter.api.metrics.MetricRegistry metrics = config.environment().metrics();
            return new Metered(metrics);
        }
    }

    static final class Metered implements NetworkFilterChainFactory, FactoryInitializer {
        private final io.ferry.filter.api.metrics.MetricRegistry metrics;
        private volatile io.ferry.filter.api.metrics.Counter bytes;
        private volatile io.ferry.filter.api.metrics.Gauge open;
        private volatile io.ferry.filter.api.metrics.Histogram reads;

        Metered(io.ferry.filter.api.metrics.MetricRegistry metrics) {
            this.metrics = metrics;
        }

        @Override
        public void init(ListenerInfo listener) {
            Map<String, String> labels = Map.of("listener", listener.name());
            bytes = metrics.counter("test_metered_bytes_total", "Bytes the metered filter read", labels);
            open = metrics.gauge("test_metered_open", "Connections open through the metered filter", labels);
            reads = metrics.histogram("test_metered_read_bytes", "Size of each read", labels, 10, 100, 1000, 10000);
        }

        @Override
        public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
            callbacks.addReadFilter(new io.ferry.filter.api.ReadFilter() {
                @Override
                public io.ferry.filter.api.FilterStatus onNewConnection() {
                    open.increment();
                    return io.ferry.filter.api.FilterStatus.CONTINUE;
                }

                @Override
                public io.ferry.filter.api.FilterStatus onData(io.ferry.filter.api.IoBuffer buffer) {
                    bytes.add(buffer.length());
                    reads.observe(buffer.length());
                    return io.ferry.filter.api.FilterStatus.CONTINUE;
                }

                @Override
                public void initializeReadFilterCallbacks(io.ferry.filter.api.ReadFilterCallbacks cb) {
                    cb.connection().addConnectionEventListener(event -> {
                        if (event.isClose()) {
                            open.decrement();
                        }
                    });
                }
            });
        }
    }

    static final class Probe implements NetworkFilterChainFactory, FactoryInitializer, AutoCloseable {
        private final boolean failInit;

        Probe(boolean failInit) {
            this.failInit = failInit;
        }

        @Override
        public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
        }

        @Override
        public void init(ListenerInfo listener) throws FilterConfigException {
            EVENTS.add("init " + listener.name());
            if (failInit) {
                throw new FilterConfigException("listener " + listener.name(), true, "a listener this probe likes");
            }
        }

        @Override
        public void close() {
            EVENTS.add("close");
        }
    }

    /**
     * {@code test.scoped}: one admin endpoint and one list of listeners per runtime, kept in the plugin scope, however
     * many listeners configure it. {@code GET /api/v1/test_scoped/paths} lists the config paths that created a factory.
     */
    public static final class ScopedProvider implements NetworkFilterFactoryProvider {
        /** The plugin-wide state; closed (recorded in {@link #EVENTS}) when the runtime stops. */
        static final class Shared implements AutoCloseable {
            final List<String> paths = new CopyOnWriteArrayList<>();

            @Override
            public void close() {
                EVENTS.add("scope closed " + paths);
            }
        }

        @Override
        public String type() {
            return "test.scoped";
        }

        @Override
        public String apiVersion() {
            return FilterApi.VERSION;
        }

        @Override
        public NetworkFilterChainFactory create(FilterConfig config) {
            Shared shared = config.pluginScope().computeIfAbsent(Shared.class, () -> {
                Shared s = new Shared();
                config.environment().admin().register("GET", "/api/v1/test_scoped/paths",
                        request -> io.ferry.filter.api.admin.AdminResponse.text(200, String.join(",", s.paths)));
                return s;
            });
            shared.paths.add(config.path());
            return (context, callbacks) -> { };
        }
    }
}
