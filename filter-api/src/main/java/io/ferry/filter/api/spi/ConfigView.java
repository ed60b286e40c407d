package io.ferry.filter.api.spi;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The implementation of {@link ConfigObject}'s methods over any object's {@link ConfigObject#path()} and
 * {@link ConfigObject#asMap()}, with exact or case-insensitive keys. Package-private: plugins see only the interface.
 */
final class ConfigView implements ConfigObject {

    /** What a JSON {@code null} is rendered as in messages ({@code null} itself renders as "missing"). */
    private static final Object JSON_NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private static final String DURATION = "a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0";

    private final String path;
    private final Map<String, Object> map;
    private final boolean ignoreCase;

    private ConfigView(String path, Map<String, Object> map, boolean ignoreCase) {
        this.path = Objects.requireNonNull(path, "path");
        this.map = map == null ? Map.of() : map;
        this.ignoreCase = ignoreCase;
    }

    /** {@code object} itself if it is a view, else a view with exact keys. */
    static ConfigView of(ConfigObject object) {
        return object instanceof ConfigView v ? v : new ConfigView(object.path(), object.asMap(), false);
    }

    static ConfigView of(ConfigObject object, boolean ignoreCase) {
        ConfigView v = of(object);
        return v.ignoreCase == ignoreCase ? v : new ConfigView(v.path, v.map, ignoreCase);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Map<String, Object> asMap() {
        return map;
    }

    @Override
    public ConfigObject ignoringCase() {
        return ignoreCase ? this : new ConfigView(path, map, true);
    }

    @Override
    public String toString() {
        return path + (ignoreCase ? " (keys ignoring case)" : "");
    }

    // ------------------------------------------------------------------ lookup

    /** The key as the file writes it that supplies {@code key}: itself, or the last one equal ignoring case. */
    private String keyFor(String key) {
        Objects.requireNonNull(key, "key");
        if (!ignoreCase) {
            return map.containsKey(key) ? key : null;
        }
        String found = null;
        for (String k : map.keySet()) {
            if (k.equalsIgnoreCase(key)) {
                found = k;
            }
        }
        return found;
    }

    /** The path of {@code key}: the key as the file writes it when present. */
    private String pathOf(String key) {
        String k = keyFor(key);
        return path(k == null ? key : k);
    }

    private Object raw(String key) {
        String k = keyFor(key);
        return k == null ? null : map.get(k);
    }

    private boolean present(String key) {
        return keyFor(key) != null;
    }

    /** The value under {@code key}, failing if it is absent or null. */
    private Object required(String key, String expected) throws FilterConfigException {
        String k = keyFor(key);
        if (k == null) {
            throw new FilterConfigException(path(key), null, expected);
        }
        Object v = map.get(k);
        if (v == null) {
            throw new FilterConfigException(path(k), JSON_NULL, expected);
        }
        return v;
    }

    @Override
    public boolean has(String key) {
        return raw(key) != null;
    }

    // ------------------------------------------------------------------ strings and booleans

    @Override
    public String getString(String key) throws FilterConfigException {
        return string(key, required(key, "a string"));
    }

    @Override
    public String getString(String key, String dflt) throws FilterConfigException {
        Object v = raw(key);
        return v == null ? dflt : string(key, v);
    }

    private String string(String key, Object v) throws FilterConfigException {
        if (v instanceof String s) {
            return s;
        }
        throw new FilterConfigException(pathOf(key), v, "a string");
    }

    @Override
    public boolean getBoolean(String key) throws FilterConfigException {
        return bool(key, required(key, "true or false"));
    }

    @Override
    public boolean getBoolean(String key, boolean dflt) throws FilterConfigException {
        Object v = raw(key);
        return v == null ? dflt : bool(key, v);
    }

    private boolean bool(String key, Object v) throws FilterConfigException {
        if (v instanceof Boolean b) {
            return b;
        }
        throw new FilterConfigException(pathOf(key), v, "true or false");
    }

    // ------------------------------------------------------------------ numbers

    @Override
    public int getInt(String key) throws FilterConfigException {
        return (int) integer(key, required(key, "an integer"), Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    @Override
    public int getInt(String key, int dflt) throws FilterConfigException {
        Object v = raw(key);
        return v == null ? dflt : (int) integer(key, v, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    @Override
    public long getLong(String key) throws FilterConfigException {
        return integer(key, required(key, "an integer"), Long.MIN_VALUE, Long.MAX_VALUE);
    }

    @Override
    public long getLong(String key, long dflt) throws FilterConfigException {
        Object v = raw(key);
        return v == null ? dflt : integer(key, v, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private long integer(String key, Object v, long min, long max) throws FilterConfigException {
        BigDecimal d = decimal(v);
        if (d == null || d.stripTrailingZeros().scale() > 0) {
            throw new FilterConfigException(pathOf(key), v, "an integer");
        }
        if (d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw new FilterConfigException(pathOf(key), v, "an integer from " + min + " to " + max);
        }
        return d.longValue();
    }

    /** A JSON number as an exact decimal; null if {@code v} is not a finite number. */
    private static BigDecimal decimal(Object v) {
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? new BigDecimal(d) : null;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return BigDecimal.valueOf(((Number) v).longValue());
        }
        if (v instanceof BigDecimal b) {
            return b;
        }
        if (v instanceof Number n) {
            try {
                return new BigDecimal(n.toString());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    @Override
    public double getDouble(String key) throws FilterConfigException {
        return dbl(key, required(key, "a number"));
    }

    @Override
    public double getDouble(String key, double dflt) throws FilterConfigException {
        Object v = raw(key);
        return v == null ? dflt : dbl(key, v);
    }

    private double dbl(String key, Object v) throws FilterConfigException {
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            return n.doubleValue();
        }
        throw new FilterConfigException(pathOf(key), v, "a number");
    }

    // ------------------------------------------------------------------ durations

    @Override
    public Duration getDuration(String key) throws FilterConfigException {
        return duration(key, required(key, DURATION));
    }

    @Override
    public Duration getDuration(String key, Duration dflt) throws FilterConfigException {
        Object v = raw(key);
        return v == null ? dflt : duration(key, v);
    }

    private Duration duration(String key, Object v) throws FilterConfigException {
        if (v instanceof Number) {
            BigDecimal d = decimal(v);
            if (d != null && d.signum() == 0) {
                return Duration.ZERO;
            }
            throw new FilterConfigException(pathOf(key), v, DURATION + "; a bare number needs a unit");
        }
        if (v instanceof String s) {
            Duration d = parseGoDuration(s);
            if (d != null && !d.isNegative()) {
                return d;
            }
        }
        throw new FilterConfigException(pathOf(key), v, DURATION);
    }

    /**
     * Go's {@code time.ParseDuration}: {@code [-+]?([0-9]*(\.[0-9]*)?unit)+} or {@code "0"}, units {@code ns},
     * {@code us} ({@code µs}, {@code μs}), {@code ms}, {@code s}, {@code m}, {@code h}; null if invalid or beyond
     * Go's range (about 292 years).
     */
    static Duration parseGoDuration(String s) {
        if (s == null || s.isEmpty()) {
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
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')
                    || !number.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
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

    // ------------------------------------------------------------------ objects and lists

    @Override
    public ConfigObject getObject(String key) throws FilterConfigException {
        return object(pathOf(key), required(key, "a JSON object"));
    }

    private ConfigView object(String at, Object v) throws FilterConfigException {
        if (v instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) m;
            return new ConfigView(at, typed, ignoreCase);
        }
        throw new FilterConfigException(at, v == null ? JSON_NULL : v, "a JSON object");
    }

    @Override
    public List<Object> getList(String key) throws FilterConfigException {
        return list(key, required(key, "a JSON array"));
    }

    @Override
    public List<Object> getList(String key, List<Object> dflt) throws FilterConfigException {
        Object v = raw(key);
        return v == null ? dflt : list(key, v);
    }

    private List<Object> list(String key, Object v) throws FilterConfigException {
        if (v instanceof List<?> l) {
            return Collections.unmodifiableList(new ArrayList<>(l));
        }
        throw new FilterConfigException(pathOf(key), v, "a JSON array");
    }

    @Override
    public List<String> getStringList(String key) throws FilterConfigException {
        List<Object> l = list(key, required(key, "a JSON array of strings"));
        List<String> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof String s)) {
                throw new FilterConfigException(pathOf(key) + "[" + i + "]", l.get(i) == null ? JSON_NULL
                        : l.get(i), "a string");
            }
            out.add(s);
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public List<ConfigObject> getObjectList(String key) throws FilterConfigException {
        List<Object> l = list(key, required(key, "a JSON array of objects"));
        List<ConfigObject> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            out.add(object(pathOf(key) + "[" + i + "]", l.get(i)));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public void rejectUnknownKeys(Collection<String> known) throws FilterConfigException {
        Objects.requireNonNull(known, "known");
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String k = e.getKey();
            boolean ok = ignoreCase ? known.stream().anyMatch(k::equalsIgnoreCase) : known.contains(k);
            if (!ok) {
                String closest = closest(k, known);
                throw new FilterConfigException(path(k), e.getValue() == null ? JSON_NULL : e.getValue(),
                        "one of " + new TreeSet<>(known) + (closest == null ? ""
                                : "; did you mean \"" + closest + "\"?"));
            }
        }
    }

    /** The known key closest to {@code wanted} by edit distance, if within about a third of it; else null. */
    private static String closest(String wanted, Collection<String> candidates) {
        String w = wanted.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : new TreeSet<>(candidates)) {
            int d = distance(w, c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(1, Math.min(3, wanted.length() / 3)) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
