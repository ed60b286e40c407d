package io.ferry.filter.chain;

import io.ferry.filter.api.spi.PluginScope;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PluginScopesTest {

    static final class Counter {
        final AtomicInteger n = new AtomicInteger();
    }

    record Closing(String name, List<String> log) implements AutoCloseable {
        @Override
        public void close() {
            log.add(name);
            if (name.equals("throws")) {
                throw new IllegalStateException("boom");
            }
        }
    }

    @Test
    void oneScopePerTypeAndOneValuePerKeyCreatedOnceUnderContention() throws Exception {
        PluginScopes scopes = new PluginScopes();
        assertSame(scopes.of("acme.guard"), scopes.of("acme.guard"));
        assertNotSame(scopes.of("acme.guard"), scopes.of("acme.other"));
        assertEquals("acme.guard", scopes.of("acme.guard").type());
        AtomicInteger created = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Counter>> all = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(pool.submit(() -> {
                    go.await();
                    return scopes.of("acme.guard").computeIfAbsent(Counter.class, () -> {
                        created.incrementAndGet();
                        return new Counter();
                    });
                }));
            }
            go.countDown();
            Counter first = all.get(0).get(10, TimeUnit.SECONDS);
            for (Future<Counter> f : all) {
                assertSame(first, f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, created.get());
        assertNotSame(scopes.of("acme.guard").computeIfAbsent(Counter.class, Counter::new),
                scopes.of("acme.other").computeIfAbsent(Counter.class, Counter::new), "types do not share");
        assertNotSame(new PluginScopes().of("acme.guard").computeIfAbsent(Counter.class, Counter::new),
                scopes.of("acme.guard").computeIfAbsent(Counter.class, Counter::new), "runtimes do not share");
    }

    @Test
    void closeClosesValuesInReverseOrderDespiteFailuresAndThenRefusesUse() {
        PluginScopes scopes = new PluginScopes();
        List<String> log = new ArrayList<>();
        PluginScope a = scopes.of("a");
        a.computeIfAbsent(Closing.class, () -> new Closing("first", log));
        a.computeIfAbsent(String.class, () -> "not closeable");
        a.computeIfAbsent(Runnable.class, () -> new Closing("throws", log)::close);
        scopes.of("b").computeIfAbsent(Closing.class, () -> new Closing("b", log));
        PluginScope c = scopes.of("c");
        c.computeIfAbsent(Closing.class, () -> new Closing("throws", log));
        c.computeIfAbsent(AutoCloseable.class, () -> new Closing("c-second", log));
        scopes.close();
        assertEquals(List.of("c-second", "throws", "b", "first"), log);
        scopes.close();
        assertEquals(4, log.size(), "closed once");
        assertThrows(IllegalStateException.class, () -> a.computeIfAbsent(Integer.class, () -> 1));
        assertThrows(IllegalStateException.class, () -> scopes.of("d"));
    }

    @Test
    void aSupplierMayUseOtherKeysButNotItsOwnAndMustNotReturnNull() {
        PluginScope s = new PluginScopes().of("a");
        String composed = s.computeIfAbsent(String.class, () -> "n=" + s.computeIfAbsent(Integer.class, () -> 7));
        assertEquals("n=7", composed);
        IllegalStateException loop = assertThrows(IllegalStateException.class,
                () -> s.computeIfAbsent(Long.class, () -> s.computeIfAbsent(Long.class, () -> 1L)));
        assertEquals("plugin scope of \"a\": creating java.lang.Long asked for java.lang.Long again", loop.getMessage());
        assertEquals(5L, s.computeIfAbsent(Long.class, () -> 5L), "a failed creation leaves the key free");
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> s.computeIfAbsent(Double.class, () -> null));
        assertEquals("plugin scope of \"a\": the supplier of java.lang.Double returned null", npe.getMessage());
    }
}
