package io.ferry.filter.api.spi;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed getters, as any {@link ConfigObject} implementation (path + map) gets them. */
class ConfigObjectTest {

    static final String P = "listeners[0].filter_chains[0].filters[0].config";

    /** A config as the runtime shapes it: numbers are Doubles, insertion order kept. */
    static ConfigObject config(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        Map<String, Object> frozen = Collections.unmodifiableMap(m);
        return new ConfigObject() {
            @Override
            public String path() {
                return P;
            }

            @Override
            public Map<String, Object> asMap() {
                return frozen;
            }
        };
    }

    static String error(ThrowingGetter g) {
        return assertThrows(FilterConfigException.class, g::get).getMessage();
    }

    interface ThrowingGetter {
        Object get() throws FilterConfigException;
    }

    @Test
    void integersAreWholeNumbersInRangeWhateverTheirJsonSpelling() throws FilterConfigException {
        ConfigObject c = config("a", 30.0, "b", 3e1, "c", -7.0, "big", 1e10, "half", 30.5, "text", "30",
                "max", 2147483647.0, "huge", 1e19);
        assertEquals(30, c.getInt("a"));
        assertEquals(30, c.getInt("b"));
        assertEquals(-7, c.getInt("c"));
        assertEquals(2147483647, c.getInt("max"));
        assertEquals(10_000_000_000L, c.getLong("big"));
        assertEquals(P + ".big: 10000000000 (expected: an integer from -2147483648 to 2147483647)",
                error(() -> c.getInt("big")));
        assertEquals(P + ".half: 30.5 (expected: an integer)", error(() -> c.getInt("half")));
        assertEquals(P + ".text: \"30\" (expected: an integer)", error(() -> c.getInt("text")),
                "a string is not converted, as Go's encoding/json does not");
        assertEquals(P + ".huge: 1.0E19 (expected: an integer from -9223372036854775808 to "
                + "9223372036854775807)", error(() -> c.getLong("huge")));
        assertEquals(5, c.getInt("absent", 5));
        assertEquals(9L, c.getLong("absent", 9L));
        assertEquals(P + ".absent: missing (expected: an integer)", error(() -> c.getInt("absent")));
    }

    @Test
    void otherImplementationsMayGiveIntegersAsLongs() throws FilterConfigException {
        ConfigObject c = config("n", 9007199254740993L, "i", 42);
        assertEquals(9007199254740993L, c.getLong("n"), "a Long is exact beyond 2^53");
        assertEquals(42, c.getInt("i"));
        assertEquals(42.0, c.getDouble("i"));
    }

    @Test
    void nullMeansTheDefaultForOptionalGettersAndIsNamedForRequiredOnes() throws FilterConfigException {
        ConfigObject c = config("n", null);
        assertFalse(c.has("n"));
        assertFalse(c.has("absent"));
        assertEquals(3, c.getInt("n", 3));
        assertEquals("d", c.getString("n", "d"));
        assertTrue(c.getBoolean("n", true));
        assertEquals(Duration.ofSeconds(1), c.getDuration("n", Duration.ofSeconds(1)));
        assertEquals(P + ".n: null (expected: a string)", error(() -> c.getString("n")));
        assertEquals(P + ".n: null (expected: a JSON object)", error(() -> c.getObject("n")));
    }

    @Test
    void stringsBooleansAndNumbersAreNeverConverted() throws FilterConfigException {
        ConfigObject c = config("s", "x", "t", true, "one", 1.0, "rate", 80.5);
        assertEquals("x", c.getString("s"));
        assertTrue(c.getBoolean("t"));
        assertEquals(80.5, c.getDouble("rate"));
        assertEquals(P + ".one: 1 (expected: true or false)", error(() -> c.getBoolean("one")));
        assertEquals(P + ".t: true (expected: a string)", error(() -> c.getString("t")));
        assertEquals(P + ".s: \"x\" (expected: a number)", error(() -> c.getDouble("s")));
    }

    @Test
    void durationsAreMosnsDurationConfig() throws FilterConfigException {
        ConfigObject c = config("a", "1m30s", "b", "500ms", "c", "1.5h", "d", "2us", "e", "3\u00b5s", "f", ".5s",
                "zero", 0.0, "zeroString", "0", "bare", 30.0, "neg", "-1s", "nounit", "10", "bad", "10 s",
                "unit", "5d", "empty", "", "list", List.of("1s"));
        assertEquals(Duration.ofSeconds(90), c.getDuration("a"));
        assertEquals(Duration.ofMillis(500), c.getDuration("b"));
        assertEquals(Duration.ofMinutes(90), c.getDuration("c"));
        assertEquals(Duration.ofNanos(2000), c.getDuration("d"));
        assertEquals(Duration.ofNanos(3000), c.getDuration("e"));
        assertEquals(Duration.ofMillis(500), c.getDuration("f"));
        assertEquals(Duration.ZERO, c.getDuration("zero"), "MOSN accepts the bare number 0");
        assertEquals(Duration.ZERO, c.getDuration("zeroString"));
        String expected = " (expected: a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0";
        assertEquals(P + ".bare: 30" + expected + "; a bare number needs a unit)", error(() -> c.getDuration("bare")));
        assertEquals(P + ".neg: \"-1s\"" + expected + ")", error(() -> c.getDuration("neg")));
        assertEquals(P + ".nounit: \"10\"" + expected + ")", error(() -> c.getDuration("nounit")));
        assertEquals(P + ".bad: \"10 s\"" + expected + ")", error(() -> c.getDuration("bad")));
        assertEquals(P + ".unit: \"5d\"" + expected + ")", error(() -> c.getDuration("unit")));
        assertEquals(P + ".empty: \"\"" + expected + ")", error(() -> c.getDuration("empty")));
        assertEquals(P + ".list: [\"1s\"]" + expected + ")", error(() -> c.getDuration("list")));
    }

    @Test
    void goParseDurationEdgeCases() {
        assertEquals(Duration.ofNanos(1), ConfigView.parseGoDuration("1ns"));
        assertEquals(Duration.ofSeconds(5), ConfigView.parseGoDuration("5.s"));
        assertEquals(Duration.ofHours(1).plusMinutes(2).plusSeconds(3), ConfigView.parseGoDuration("1h2m3s"));
        assertEquals(Duration.ofSeconds(-1), ConfigView.parseGoDuration("-1s"));
        assertEquals(Duration.ofSeconds(1), ConfigView.parseGoDuration("+1s"));
        assertEquals(Duration.ofNanos(1500), ConfigView.parseGoDuration("1.5\u03bcs"));
        for (String bad : new String[] {"", ".", "s", "1", "-", "1..5s", "1sm", "1S", "1e3s", "9999999999h"}) {
            assertNull(ConfigView.parseGoDuration(bad), bad);
        }
    }

    @Test
    void nestedObjectsAndListsCarryTheirPaths() throws FilterConfigException {
        Map<String, Object> strategy = new LinkedHashMap<>();
        strategy.put("interval", "soon");
        ConfigObject c = config("strategy", strategy, "hosts", List.of("a", 2.0), "rules",
                Arrays.asList(Map.of("port", 80.0), "x"), "names", List.of("a", "b"));
        ConfigObject s = c.getObject("strategy");
        assertEquals(P + ".strategy", s.path());
        assertEquals(P + ".strategy.interval: \"soon\" (expected: an integer)", error(() -> s.getInt("interval")));
        assertEquals(List.of("a", "b"), c.getStringList("names"));
        assertEquals(List.of("a", 2.0), c.getList("hosts"));
        assertEquals(P + ".hosts[1]: 2 (expected: a string)", error(() -> c.getStringList("hosts")));
        assertEquals(P + ".rules[1]: \"x\" (expected: a JSON object)", error(() -> c.getObjectList("rules")));
        assertEquals(P + ".names: [\"a\",\"b\"] (expected: a JSON object)", error(() -> c.getObject("names")),
                "a list is rendered as JSON, not as Java's [a, b]");
        assertEquals(P + ".strategy: {\"interval\":\"soon\"} (expected: a string)", error(() -> c.getString("strategy")));
        assertEquals(List.of(), c.getList("absent", List.of()));
    }

    @Test
    void keysMatchExactlyUnlessTheViewIgnoresCaseAsGoDoesAndThenTheLastMatchWins() throws FilterConfigException {
        ConfigObject c = config("Interval", 10.0, "interval", 20.0, "INTERVAL", 30.0, "Name", "backend",
                "Strategy", Map.of("Switch", "ON"));
        assertEquals(20, c.getInt("interval"), "exact by default");
        assertFalse(c.has("name"));
        ConfigObject go = c.ignoringCase();
        assertEquals(30, go.getInt("interval"), "encoding/json: the last key that matches wins");
        assertEquals("backend", go.getString("NAME"));
        assertEquals("ON", go.getObject("strategy").getString("switch"), "nested views ignore case too");
        assertEquals(P + ".Strategy.Switch: \"ON\" (expected: an integer)",
                error(() -> go.getObject("strategy").getInt("switch")), "paths name the key as the file writes it");
        assertEquals(go, go.ignoringCase());
    }

    @Test
    void unknownKeysAreRefusedWithTheClosestKnownOne() throws FilterConfigException {
        ConfigObject c = config("prefix", "DENY", "acton", "close");
        assertEquals(P + ".acton: \"close\" (expected: one of [action, prefix]; did you mean \"action\"?)",
                error(() -> { c.rejectUnknownKeys(Set.of("prefix", "action")); return null; }));
        assertEquals(P + ".acton: \"close\" (expected: one of [prefix, timeout])",
                error(() -> { c.rejectUnknownKeys(Set.of("prefix", "timeout")); return null; }));
        c.rejectUnknownKeys(Set.of("prefix", "acton"));
        config("PREFIX", "x").ignoringCase().rejectUnknownKeys(Set.of("prefix"));
        assertEquals(P + ".PREFIX: \"x\" (expected: one of [prefix]; did you mean \"prefix\"?)",
                error(() -> { config("PREFIX", "x").rejectUnknownKeys(Set.of("prefix")); return null; }));
    }

    @Test
    void credentialsAreNotPrintedInErrors() {
        ConfigObject c = config("password", 12345.0, "url", "postgres://app:s3cret@db/x");
        assertEquals(P + ".password: \"***REDACTED***\" (expected: a string)", error(() -> c.getString("password")));
        assertEquals(P + ".url: \"postgres://***REDACTED***@db/x\" (expected: an integer)",
                error(() -> c.getInt("url")));
    }
}
