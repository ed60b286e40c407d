package io.ferry.filter.chain.metrics;

import io.ferry.filter.api.metrics.Counter;
import io.ferry.filter.api.metrics.Gauge;
import io.ferry.filter.api.metrics.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalMetricRegistryTest {

    private final LocalMetricRegistry registry = new LocalMetricRegistry();

    @Test
    void theSameNameAndLabelsGiveTheSameMetricAndXAndXTotalAreOneCounter() {
        Counter a = registry.counter("acme_denied", "Denied", Map.of("listener", "a"));
        Counter b = registry.counter("acme_denied_total", "Denied", Map.of("listener", "a"));
        assertSame(a, b);
        a.add(2);
        b.increment();
        assertEquals(3, a.value());
        Counter other = registry.counter("acme_denied", "Denied", Map.of("listener", "b"));
        assertEquals(0, other.value());
        assertEquals(1, registry.families().size());
        assertEquals(2, registry.families().get(0).series().size());
    }

    @Test
    void namesLabelsAndTypesAreChecked() {
        registry.counter("acme_x", "X", Map.of("listener", "a"));
        assertEquals("name: \"acme_x\" (expected: the type, help text, label names it was first registered with:"
                        + " counter \"X\" [listener])",
                assertThrows(IllegalArgumentException.class,
                        () -> registry.gauge("acme_x", "X", Map.of("listener", "a"))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> registry.counter("acme_x", "X", Map.of("cluster", "a")));
        assertThrows(IllegalArgumentException.class, () -> registry.counter("acme_x", "other help", Map.of("listener", "a")));
        assertThrows(IllegalArgumentException.class, () -> registry.counter("1bad", "", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> registry.counter("acme-x", "", Map.of()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> registry.counter("downstream_mine", "", Map.of()))
                .getMessage().contains("the runtime's"));
        assertThrows(IllegalArgumentException.class, () -> registry.counter("acme_y", "", Map.of("__x", "v")));
        assertThrows(IllegalArgumentException.class, () -> registry.histogram("acme_h", "", Map.of("le", "v"), 1));
        assertThrows(IllegalArgumentException.class, () -> registry.histogram("acme_h", "", Map.of(), 2, 1));
        assertThrows(IllegalArgumentException.class, () -> registry.histogram("acme_h", "", Map.of()));
        registry.histogram("acme_h", "", Map.of(), 1, 2);
        assertThrows(IllegalArgumentException.class, () -> registry.histogram("acme_h", "", Map.of(), 1, 3));
        assertThrows(IllegalArgumentException.class, () -> registry.counter("acme_c", "", Map.of()).add(-1));
    }

    @Test
    void gaugesSetAddAndCallbackGaugesAndRemove() {
        Gauge g = registry.gauge("acme_open", "", Map.of());
        g.set(5);
        g.increment();
        g.add(-2.5);
        assertEquals(3.5, g.value());
        registry.gauge("acme_queue", "", Map.of("q", "1"), () -> 42);
        LocalMetricRegistry.Family f = registry.families().stream().filter(x -> x.name().equals("acme_queue"))
                .findFirst().orElseThrow();
        assertEquals(42.0, ((java.util.function.DoubleSupplier) f.series().get(List.of("1"))).getAsDouble());
        registry.remove("acme_queue", Map.of("q", "1"));
        assertTrue(f.series().isEmpty());
    }

    @Test
    void histogramsCountIntoBucketsAndEstimatePercentilesWithinMinAndMax() {
        Histogram h = registry.histogram("acme_seconds", "", Map.of(), 0.1, 1, 10);
        for (int i = 1; i <= 100; i++) {
            h.observe(i / 20.0);   // 0.05 .. 5.0
        }
        h.observe(Double.NaN);
        LocalHistogram.Snapshot s = ((LocalHistogram) h).snapshot();
        assertEquals(100, s.count());
        assertEquals(List.of(2L, 18L, 80L, 0L), java.util.Arrays.stream(s.counts()).boxed().toList());
        assertEquals(0.05, s.min());
        assertEquals(5.0, s.max());
        assertEquals(252.5, s.sum(), 1e-9);
        assertEquals(1 + (5 - 1) * (30.0 / 80), s.quantile(0.5), 1e-9,
                "linear within the (1, 10] bucket as PromQL does, its top clamped to the largest value, 5");
        assertEquals(5.0, s.quantile(1.0), "never above the largest value");
        assertEquals(0.05, s.quantile(0.0), "never below the smallest");
        assertEquals(0, new LocalHistogram(new double[] {1}).snapshot().quantile(0.5), "empty");
    }

    @Test
    void concurrentUpdatesAreAllCounted() throws Exception {
        Counter c = registry.counter("acme_n", "", Map.of());
        Histogram h = registry.histogram("acme_v", "", Map.of(), 1, 2);
        Gauge g = registry.gauge("acme_g", "", Map.of());
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 10_000; i++) {
                    c.increment();
                    h.observe(i % 3);
                    g.add(1);
                }
            });
            threads[t].start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(40_000, c.value());
        assertEquals(40_000, h.count());
        assertEquals(40_000.0, g.value());
        assertEquals(0.0, ((LocalHistogram) h).snapshot().min());
        assertEquals(2.0, ((LocalHistogram) h).snapshot().max());
    }
}
