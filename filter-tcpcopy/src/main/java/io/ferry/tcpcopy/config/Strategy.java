package io.ferry.tcpcopy.config;

import io.ferry.filter.api.spi.FilterConfigException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One tcpcopy strategy, Layotto's {@code DumpConfig} (model/model.go): {@code switch}, {@code interval} and
 * {@code duration} in seconds, {@code cpu_max_rate} and {@code mem_max_rate} in percent. Immutable.
 *
 * <h2>Validation (Layotto's rules, strategy/switch.go:90-173)</h2>
 * <ul>
 *   <li>{@code switch}: {@code "ON"} or {@code "OFF"} (the global strategy also {@code "FORCE_OFF"}), case-sensitive;</li>
 *   <li>{@code interval}: an integer, {@code 30 <= interval <= 3600};</li>
 *   <li>{@code duration}: an integer, {@code 0 < duration < interval};</li>
 *   <li>{@code cpu_max_rate}, {@code mem_max_rate}: {@code 0 < rate < 100}.</li>
 * </ul>
 * Every field is required, as in Layotto where a missing field is zero and fails. Field names match
 * case-insensitively, as Go's {@code encoding/json} does when Layotto unmarshals the re-marshalled map. Where Layotto
 * logs an alert and leaves the switch off, Ferry throws {@link FilterConfigException} naming the field, the value and
 * the allowed range.
 */
public record Strategy(Switch switchValue, int interval, int duration, double cpuMaxRate, double memMaxRate) {

    /** Layotto's default for the app and the global strategy: OFF, 30 s, 1 s, 80 %, 70 %. */
    public static final Strategy DEFAULT = new Strategy(Switch.OFF, 30, 1, 80, 70);

    /** Effective values while the global strategy is FORCE_OFF (switch.go). */
    static final Strategy FORCED_OFF_VALUES = new Strategy(Switch.OFF, 3600, 1, 80, 70);

    public static final int MIN_INTERVAL = 30;
    public static final int MAX_INTERVAL = 3600;

    public Strategy {
        Objects.requireNonNull(switchValue, "switchValue");
    }

    /**
     * Parses and validates a strategy object.
     *
     * @param map    the JSON object (numbers as {@link Number}), or {@code null} if missing
     * @param path   maps a field name to its JSON path for messages, e.g. {@code f -> config.path("strategy." + f)}
     * @param global true for the global strategy, which also accepts {@code FORCE_OFF}
     */
    public static Strategy parse(Object map, Function<String, String> path, boolean global) throws FilterConfigException {
        if (!(map instanceof Map<?, ?> m)) {
            throw new FilterConfigException(path.apply(""), map,
                    "an object with switch, interval, duration, cpu_max_rate and mem_max_rate");
        }
        Object sw = field(m, "switch");
        Switch s = parseSwitch(sw, path.apply("switch"), global);
        int interval = integer(field(m, "interval"), path.apply("interval"), MIN_INTERVAL, MAX_INTERVAL,
                "an integer from 30 to 3600 (seconds)");
        int duration = integer(field(m, "duration"), path.apply("duration"), 1, interval - 1,
                "an integer from 1 to " + (interval - 1) + " (seconds, less than interval " + interval + ")");
        double cpu = rate(field(m, "cpu_max_rate"), path.apply("cpu_max_rate"));
        double mem = rate(field(m, "mem_max_rate"), path.apply("mem_max_rate"));
        return new Strategy(s, interval, duration, cpu, mem);
    }

    /** This strategy as Layotto's JSON object, field names in Layotto's spelling. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("switch", switchValue.name());
        m.put("interval", interval);
        m.put("duration", duration);
        m.put("cpu_max_rate", cpuMaxRate);
        m.put("mem_max_rate", memMaxRate);
        return m;
    }

    /** The value of {@code name}: an exact key first, else a case-insensitive match (Go's encoding/json). */
    static Object field(Map<?, ?> m, String name) {
        Object v = m.get(name);
        if (v != null || m.containsKey(name)) {
            return v;
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getKey() instanceof String k && k.equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static Switch parseSwitch(Object v, String path, boolean global) throws FilterConfigException {
        String expected = global ? "\"ON\", \"OFF\" or \"FORCE_OFF\"" : "\"ON\" or \"OFF\"";
        if (v instanceof String s) {
            if (s.equals("ON")) {
                return Switch.ON;
            }
            if (s.equals("OFF")) {
                return Switch.OFF;
            }
            if (global && s.equals("FORCE_OFF")) {
                return Switch.FORCE_OFF;
            }
        }
        throw new FilterConfigException(path, v, expected);
    }

    static int integer(Object v, String path, int min, int max, String expected) throws FilterConfigException {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d == Math.rint(d) && d >= min && d <= max) {
                return (int) d;
            }
        }
        throw new FilterConfigException(path, v, expected);
    }

    private static double rate(Object v, String path) throws FilterConfigException {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d > 0 && d < 100) {
                return d;
            }
        }
        throw new FilterConfigException(path, v, "a number greater than 0 and less than 100 (percent)");
    }
}
