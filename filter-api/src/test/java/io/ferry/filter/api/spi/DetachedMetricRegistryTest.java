package io.ferry.filter.api.spi;

import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.metrics.Counter;
import io.ferry.filter.api.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The defaults a hand-written {@link FilterEnvironment} gets: in-memory metrics, no service. */
class DetachedMetricRegistryTest {

    static final FilterEnvironment BARE = new FilterEnvironment() {
        @Override
        public AdminRegistry admin() {
            return (method, path, handler) -> { };
        }

        @Override
        public StatsRegistry stats() {
            return null;
        }

        @Override
        public FilterScheduler scheduler() {
            return null;
        }
    };

    @Test
    void aBareEnvironmentKeepsMetricsInMemoryWithTheRuntimesRules() {
        MetricRegistry m = BARE.metrics();
        Counter a = m.counter("acme_denied", "Denied", Map.of("listener", "a"));
        assertSame(a, m.counter("acme_denied_total", "Denied", Map.of("listener", "a")));
        a.add(2);
        assertEquals(2, a.value());
        m.gauge("acme_open", "Open", Map.of()).add(3);
        assertEquals(3.0, m.gauge("acme_open", "Open", Map.of()).value());
        m.histogram("acme_seconds", "Lookups", Map.of(), 0.1, 1).observe(0.5);
        assertEquals(1, m.histogram("acme_seconds", "Lookups", Map.of(), 0.1, 1).count());
        assertEquals("name: \"ferry_x\" (expected: a name of the filter's own; [downstream_, upstream_, ferry_, jvm_, "
                + "process_] are the runtime's)", assertThrows(IllegalArgumentException.class,
                () -> m.counter("ferry_x", "", Map.of())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.counter("x", "", Map.of("le", "1")));
        assertThrows(IllegalArgumentException.class, () -> m.histogram("h", "", Map.of(), 2, 1));
        assertThrows(IllegalArgumentException.class, () -> a.add(-1));
        m.remove("acme_denied_total", Map.of("listener", "a"));
        assertEquals(0, m.counter("acme_denied", "Denied", Map.of("listener", "a")).value());
    }

    @Test
    @SuppressWarnings("removal")
    void theDeprecatedLocatorFindsNothing() {
        assertEquals(Optional.empty(), BARE.service(String.class));
    }
}
