package io.ferry.mirror;

import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Config errors name the JSON path, the value and what is accepted. */
class MirrorConfigTest {

    private static final String AT = "listeners[0].filter_chains[0].filters[0].config";

    private static MirrorConfig parse(String json, Set<String> clusters) throws FilterConfigException {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        return MirrorConfig.parse(new EmbeddedFilterConfig("tcp_mirror", AT, json, env), clusters);
    }

    private static String error(String json) {
        return assertThrows(FilterConfigException.class, () -> parse(json, new java.util.LinkedHashSet<>(java.util.List.of("shadow", "backend")))).getMessage();
    }

    @Test
    void defaultsAndUnits() throws Exception {
        MirrorConfig c = parse("{\"cluster\": \"shadow\"}", Set.of("shadow"));
        assertEquals(100, c.percent());
        assertEquals(1, c.copies());
        assertEquals(1 << 20, c.maxBuffer());
        assertEquals(Duration.ofSeconds(1), c.connectTimeout());
        assertEquals(Duration.ofSeconds(1), c.grace());
        MirrorConfig d = parse("{\"cluster\": \"x\", \"percent\": 0.5, \"max_buffer\": \"512KiB\", \"copies\": 3,"
                + " \"compare\": false, \"connect_timeout\": \"250ms\"}", Set.of());
        assertEquals(0.5, d.percent());
        assertEquals(512 * 1024, d.maxBuffer());
        assertEquals(3, d.copies());
        assertEquals(false, d.compare());
        assertEquals(2_000_000, MirrorConfig.parseSize("2MB"));
        assertEquals(4096, MirrorConfig.parseSize(4096.0));
    }

    @Test
    void errorsSayWhatWhereAndWhatIsExpected() {
        assertEquals(AT + ".cluster: missing (expected: a string)", error("{}"));
        assertEquals(AT + ".cluster: \"shadw\" (expected: the name of a cluster in cluster_manager.clusters "
                + "[shadow, backend])", error("{\"cluster\": \"shadw\"}"));
        assertEquals(AT + ".percent: 150 (expected: a number from 0 to 100 (the share of connections mirrored, "
                + "fractions allowed))", error("{\"cluster\": \"shadow\", \"percent\": 150}"));
        assertEquals(AT + ".copies: 0 (expected: an integer from 1 to 16 (shadow connections per mirrored "
                + "connection))", error("{\"cluster\": \"shadow\", \"copies\": 0}"));
        assertEquals(AT + ".max_buffer: \"1 lot\" (expected: a size in bytes: an integer, or a string such as "
                + "\"64KiB\", \"1MiB\" or \"1GiB\" from 1 KiB to 1 GiB)",
                error("{\"cluster\": \"shadow\", \"max_buffer\": \"1 lot\"}"));
        assertEquals(AT + ".max_buffer: 10 (expected: a size from 1 KiB to 1 GiB)",
                error("{\"cluster\": \"shadow\", \"max_buffer\": 10}"));
        assertEquals(AT + ".connect_timeout: 0 (expected: a duration from 1ms to 60s, such as \"1s\" or \"300ms\")",
                error("{\"cluster\": \"shadow\", \"connect_timeout\": 0}"));
        assertEquals(AT + ".grace: \"1m\" (expected: a duration from 0 to 30s, such as \"1s\" or \"500ms\")",
                error("{\"cluster\": \"shadow\", \"grace\": \"1m\"}"));
        assertEquals(AT + ".precent: 5 (expected: one of [cluster, compare, compare_window, connect_timeout, copies, "
                + "enabled, grace, max_buffer, percent, verdict_log]; did you mean \"percent\"?)",
                error("{\"cluster\": \"shadow\", \"precent\": 5}"));
    }
}
