package io.ferry.proxy.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One JSON object of a MOSN config, read the way Go's {@code encoding/json} fills a struct: a key matches a field
 * case-insensitively; when several keys of the object fold to the same field, the last one in the file wins; a
 * {@code null} value leaves the field at its default. Every lookup marks the keys it matched, so that
 * {@link #unknownKeys} can report the rest. Not thread-safe; used only while loading.
 */
final class JsonNode {

    private final JsonObject object;
    private final String path;
    private final Problems problems;
    private final Set<String> consumed = new TreeSet<>();

    /** A node whose typed getters throw {@link ConfigException} on a value of the wrong type. */
    JsonNode(JsonObject object, String path) {
        this(object, path, null);
    }

    /**
     * A node whose typed getters report a value of the wrong type to {@code problems} and return the default, so
     * that loading goes on and every problem of a file is found in one pass; {@code null} means throw.
     */
    JsonNode(JsonObject object, String path, Problems problems) {
        this.object = object;
        this.path = path;
        this.problems = problems;
    }

    /** Where this node reports problems, or null when it throws them. */
    Problems problems() {
        return problems;
    }

    /** Throws {@code e}, or records it and returns normally when this node collects problems. */
    private void fail(ConfigException e) throws ConfigException {
        if (problems == null) {
            throw e;
        }
        problems.add(e);
    }

    String path() {
        return path;
    }

    /** The object itself. */
    JsonObject json() {
        return object;
    }

    /** The path of key {@code key} in this object: {@code path.key}, or {@code key} at the root. */
    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The key as written in the file that supplies field {@code field} (the last fold-equal one), or null. */
    String keyFor(String field) {
        String found = null;
        for (String key : object.keySet()) {
            if (key.equalsIgnoreCase(field)) {
                found = key;
            }
        }
        return found;
    }

    /** The JSON path of field {@code field}, spelled as in the file when present. */
    String fieldPath(String field) {
        String key = keyFor(field);
        return pathOf(key == null ? field : key);
    }

    /**
     * The value of field {@code field}, or null when it is absent or JSON {@code null}. All fold-equal keys are marked
     * as consumed.
     */
    JsonElement get(String field) {
        JsonElement raw = raw(field);
        return raw == null || raw.isJsonNull() ? null : raw;
    }

    /** Like {@link #get} but keeps JSON {@code null} (for durations, where MOSN rejects it). */
    JsonElement raw(String field) {
        String key = null;
        for (String k : object.keySet()) {
            if (k.equalsIgnoreCase(field)) {
                consumed.add(k);
                key = k;
            }
        }
        return key == null ? null : object.get(key);
    }

    boolean has(String field) {
        return get(field) != null;
    }

    /** Keys never looked up, in file order. */
    List<String> unknownKeys() {
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : object.entrySet()) {
            if (!consumed.contains(e.getKey())) {
                unknown.add(e.getKey());
            }
        }
        return unknown;
    }

    String string(String field, String dflt) throws ConfigException {
        JsonElement v = get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            fail(ConfigException.at(fieldPath(field), render(v), "a string"));
            return dflt;
        }
        return v.getAsString();
    }

    boolean bool(String field, boolean dflt) throws ConfigException {
        JsonElement v = get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
            fail(ConfigException.at(fieldPath(field), render(v), "true or false"));
            return dflt;
        }
        return v.getAsBoolean();
    }

    long integer(String field, long dflt, long min, long max) throws ConfigException {
        JsonElement v = get(field);
        if (v == null) {
            return dflt;
        }
        String expected = "an integer from " + min + " to " + max;
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            fail(ConfigException.at(fieldPath(field), render(v), expected));
            return dflt;
        }
        BigDecimal d = v.getAsBigDecimal();
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0
                || d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
            fail(ConfigException.at(fieldPath(field), render(v), expected));
            return dflt;
        }
        return d.longValue();
    }

    JsonNode object(String field) throws ConfigException {
        JsonElement v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isJsonObject()) {
            fail(ConfigException.at(fieldPath(field), render(v), "a JSON object"));
            return null;
        }
        return new JsonNode(v.getAsJsonObject(), fieldPath(field), problems);
    }

    JsonArray array(String field) throws ConfigException {
        JsonElement v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isJsonArray()) {
            fail(ConfigException.at(fieldPath(field), render(v), "a JSON array"));
            return null;
        }
        return v.getAsJsonArray();
    }

    /**
     * A MOSN duration ({@code api.DurationConfig}): a string Go's {@code time.ParseDuration} accepts, such as
     * {@code "10s"}, {@code "300ms"} or {@code "1m30s"}, or the bare number {@code 0}. Negative durations are refused.
     */
    Duration duration(String field, Duration dflt) throws ConfigException {
        JsonElement v = raw(field);
        if (v == null) {
            return dflt;
        }
        String expected = "a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0";
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            if (v.getAsBigDecimal().signum() == 0) {
                return Duration.ZERO;
            }
            fail(ConfigException.at(fieldPath(field), render(v), expected + "; a bare number needs a unit"));
            return dflt;
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            fail(ConfigException.at(fieldPath(field), render(v), expected));
            return dflt;
        }
        Duration d = parseGoDuration(v.getAsString());
        if (d == null || d.isNegative()) {
            fail(ConfigException.at(fieldPath(field), render(v), expected));
            return dflt;
        }
        return d;
    }

    /** Go's {@code time.ParseDuration}: {@code [-+]?([0-9]*(\.[0-9]*)?unit)+} or {@code "0"}; null if invalid. */
    static Duration parseGoDuration(String s) {
        if (s.isEmpty()) {
            return null;
        }
        int i = 0;
        boolean negative = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            negative = s.charAt(0) == '-';
            i++;
        }
        if (s.substring(i).equals("0")) {
            return Duration.ZERO;
        }
        if (i == s.length()) {
            return null;
        }
        BigDecimal totalNanos = BigDecimal.ZERO;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(start, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                return null;
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            long unitNanos;
            switch (s.substring(unitStart, i)) {
                case "ns": unitNanos = 1L; break;
                case "us": case "\u00b5s": case "\u03bcs": unitNanos = 1_000L; break;
                case "ms": unitNanos = 1_000_000L; break;
                case "s": unitNanos = 1_000_000_000L; break;
                case "m": unitNanos = 60_000_000_000L; break;
                case "h": unitNanos = 3_600_000_000_000L; break;
                default: return null;
            }
            totalNanos = totalNanos.add(new BigDecimal(number.startsWith(".") ? "0" + number : number)
                    .multiply(BigDecimal.valueOf(unitNanos)));
        }
        if (totalNanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return null;
        }
        Duration d = Duration.ofNanos(totalNanos.longValue());
        return negative ? d.negated() : d;
    }

    /** True for what Go would leave at a zero value: absent, null, false, 0, "", [] and {}. */
    static boolean isEmpty(JsonElement v) {
        if (v == null || v.isJsonNull()) {
            return true;
        }
        if (v.isJsonArray()) {
            return v.getAsJsonArray().isEmpty();
        }
        if (v.isJsonObject()) {
            return v.getAsJsonObject().isEmpty();
        }
        JsonPrimitive p = v.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return !p.getAsBoolean();
        }
        if (p.isNumber()) {
            return p.getAsBigDecimal().signum() == 0;
        }
        return p.getAsString().isEmpty();
    }

    /** A value for a message: its JSON, cut to 80 characters ({@code FilterConfigException.format} renders it). */
    static Object render(JsonElement v) {
        if (v == null) {
            return null;
        }
        String json = v.toString();
        String shown = json.length() <= 80 ? json : json.substring(0, 77) + "...";
        return new Object() {
            @Override
            public String toString() {
                return shown;
            }
        };
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
