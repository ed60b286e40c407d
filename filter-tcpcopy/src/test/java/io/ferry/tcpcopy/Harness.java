package io.ferry.tcpcopy;

import com.google.gson.Gson;
import io.ferry.filter.api.Connection;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.WriteFilter;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterEnvironment;
import io.ferry.tcpcopy.dump.DumpWriter;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** One provider, one environment with a manual clock, and factories created and initialised through the SPI. */
final class Harness implements AutoCloseable {

    final EmbeddedEnvironment env = new EmbeddedEnvironment();
    final Fakes.Readings readings;
    final TcpCopyProvider provider;
    final List<TcpCopyFactory> factories = new ArrayList<>();

    Harness() {
        this.readings = new Fakes.Readings();
        this.provider = new TcpCopyProvider(readings);
    }

    Harness(TcpCopyProvider provider) {
        this.readings = null;
        this.provider = provider;
    }

    TcpCopyFactory create(Map<String, Object> config, ListenerInfo listener) throws Exception {
        TcpCopyFactory f = (TcpCopyFactory) provider.create(filterConfig(config, env));
        f.init(listener);
        factories.add(f);
        return f;
    }

    /** A filter config as the runtime would hand it over, at the first filter of the first listener. */
    static FilterConfig filterConfig(Map<String, Object> config, FilterEnvironment env) {
        return new EmbeddedFilterConfig("tcpcopy", EmbeddedFilterConfig.DEFAULT_PATH, new Gson().toJson(config), env);
    }

    void advance(long millis) {
        env.scheduler().advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    }

    void advanceSeconds(long seconds) {
        env.scheduler().advanceTimeBy(seconds, TimeUnit.SECONDS);
    }

    long currentTimeMillis() {
        return env.scheduler().currentTimeMillis();
    }

    /** The counters published under {@code namespace}; empty if none. */
    Map<String, Number> stats(String namespace) {
        return env.stats().snapshot(namespace);
    }

    /** A config with a strategy and a dump dir. */
    static Map<String, Object> config(Map<String, Object> strategy, Path dir, Object... dumpKv) {
        Map<String, Object> dump = new HashMap<>();
        dump.put("dir", dir.toString());
        for (int i = 0; i < dumpKv.length; i += 2) {
            dump.put((String) dumpKv[i], dumpKv[i + 1]);
        }
        Map<String, Object> m = new HashMap<>();
        if (strategy != null) {
            m.put("strategy", strategy);
        }
        m.put("dump", dump);
        return m;
    }

    /** The filters a factory adds for one connection. */
    static final class Chain {
        final List<ReadFilter> read = new ArrayList<>();
        final List<WriteFilter> write = new ArrayList<>();
    }

    static Chain chain(TcpCopyFactory f, ListenerInfo listener) {
        Chain c = new Chain();
        f.createFilterChain(new FilterChainContext() {
            @Override
            public Connection connection() {
                return null;
            }

            @Override
            public ListenerInfo listener() {
                return listener;
            }
        }, new NetworkFilterChainFactoryCallbacks() {
            @Override
            public void addReadFilter(ReadFilter filter) {
                c.read.add(filter);
            }

            @Override
            public void addWriteFilter(WriteFilter filter) {
                c.write.add(filter);
            }
        });
        return c;
    }

    void awaitWriters() throws InterruptedException {
        for (DumpWriter w : provider.tcpCopy().writers()) {
            assertTrue(w.awaitIdle(30, TimeUnit.SECONDS), "writer did not become idle");
        }
    }

    @Override
    public void close() {
        for (TcpCopyFactory f : factories) {
            f.close();
        }
    }
}
