package io.ferry.tcpcopy;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.WriteFilter;
import io.ferry.tcpcopy.dump.DumpWriter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** One provider, one environment with a manual clock, and factories created and initialised through the SPI. */
final class Harness implements AutoCloseable {

    final Fakes.Environment env = new Fakes.Environment();
    final Fakes.Readings readings = new Fakes.Readings();
    final TcpCopyProvider provider = new TcpCopyProvider(readings);
    final List<TcpCopyFactory> factories = new ArrayList<>();

    TcpCopyFactory create(Map<String, Object> config, ListenerInfo listener) throws Exception {
        TcpCopyFactory f = (TcpCopyFactory) provider.create(Fakes.config(config, env));
        f.init(listener);
        factories.add(f);
        return f;
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
