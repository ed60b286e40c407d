package io.ferry.dump.spi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of {@code "dump": {"sinks": [{"type": "kafka", ...}]}} as a {@link DumpSinkProvider} sees it: its
 * {@code name} in stats and logs, its {@code type}, every field as parsed from JSON, and its JSON path, with typed
 * accessors that fail with {@link SinkConfigException} naming the field's path. Fields are JSON values: maps
 * ({@code Map<String, Object>}), lists, strings, numbers ({@code Double} from a JSON parser, any {@code Number}
 * accepted), booleans. The host's own fields of every entry ({@link #COMMON_FIELDS}) are not the provider's.
 * Immutable and thread-safe.
 */
public final class SinkConfig {

    /** Fields every sink entry may have, which the host (tcpcopy) interprets; the others belong to the provider. */
    public static final Set<String> COMMON_FIELDS = Set.of("type", "name", "queue_capacity", "queue_bytes");

    private final String name;
    private final String type;
    private final Map<String, Object> fields;
    private final String path;

    /**
     * @param name   the sink's name in stats and logs
     * @param type   the provider type
     * @param fields every field of the entry (copied; insertion order kept)
     * @param path   the JSON path of the entry, e.g. {@code listeners[0].filter_chains[0].filters[0].config.dump.sinks[0]}
     */
    public SinkConfig(String name, String type, Map<String, Object> fields, String path) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        this.path = Objects.requireNonNull(path, "path");
    }

    /** The name in stats and logs. */
    public String name() {
        return name;
    }

    /** The provider type. */
    public String type() {
        return type;
    }

    /** Every field of the entry, as parsed from JSON (unmodifiable). */
    public Map<String, Object> fields() {
        return fields;
    }

    /** The JSON path of the entry. */
    public String path() {
        return path;
    }

    /** The JSON path of field {@code key} of this entry. */
    public String path(String key) {
        return path + "." + key;
    }

    /** The provider's fields: everything but {@link #COMMON_FIELDS}. */
    public Map<String, Object> providerFields() {
        Map<String, Object> m = new LinkedHashMap<>(fields);
        m.keySet().removeAll(COMMON_FIELDS);
        return m;
    }

    /** A required non-empty string field. */
    public String requireString(String key, String expected) throws SinkConfigException {
        Object v = fields.get(key);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new SinkConfigException(path(key), v, expected);
        }
        return s;
    }

    /** An optional string field. */
    public String string(String key, String dflt, String expected) throws SinkConfigException {
        Object v = fields.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw new SinkConfigException(path(key), v, expected);
        }
        return s;
    }

    /** An optional integer field within {@code [min, max]}. */
    public long integer(String key, long dflt, long min, long max) throws SinkConfigException {
        Object v = fields.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d == Math.rint(d) && d >= min && d <= max) {
                return (long) d;
            }
        }
        throw new SinkConfigException(path(key), v, "an integer from " + min + " to " + max);
    }

    /** An optional boolean field. */
    public boolean bool(String key, boolean dflt) throws SinkConfigException {
        Object v = fields.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new SinkConfigException(path(key), v, "true or false");
    }

    /** An optional object of string, number or boolean values, returned as strings. */
    public Map<String, String> stringMap(String key) throws SinkConfigException {
        Object v = fields.get(key);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new SinkConfigException(path(key), v, "an object of settings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object x = e.getValue();
            if (x instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
                out.put(String.valueOf(e.getKey()), Long.toString(n.longValue()));
            } else if (x instanceof String || x instanceof Boolean || x instanceof Number) {
                out.put(String.valueOf(e.getKey()), String.valueOf(x));
            } else {
                throw new SinkConfigException(path(key) + "." + e.getKey(), x, "a string, number or boolean");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Fails on a field that neither {@link #COMMON_FIELDS} nor {@code known} contains. */
    public void rejectUnknown(Set<String> known) throws SinkConfigException {
        for (String k : fields.keySet()) {
            if (!COMMON_FIELDS.contains(k) && !known.contains(k)) {
                List<String> all = new ArrayList<>(known);
                all.addAll(COMMON_FIELDS);
                Collections.sort(all);
                throw new SinkConfigException(path(k), fields.get(k),
                        "no such field; a " + type + " sink accepts " + String.join(", ", all));
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SinkConfig c && name.equals(c.name) && type.equals(c.type) && fields.equals(c.fields)
                && path.equals(c.path);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, fields, path);
    }

    @Override
    public String toString() {
        return "SinkConfig[" + name + " (" + type + ") at " + path + "]";
    }
}
