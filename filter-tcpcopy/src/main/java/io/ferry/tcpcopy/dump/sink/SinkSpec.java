package io.ferry.tcpcopy.dump.sink;

import io.ferry.filter.api.spi.FilterConfigException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * One entry of {@code "dump": {"sinks": [{"type": "kafka", ...}]}}: its {@code type}, an optional {@code name}
 * (default {@code <type>} or, when several sinks share a type, {@code <type>_<index>}), an optional
 * {@code queue_capacity} (records waiting for this sink, default 8192), an optional {@code queue_bytes} (bytes those
 * records may hold, default 16 MiB) and the provider's own fields. Immutable.
 *
 * @param name          the name in stats and logs
 * @param type          the provider type
 * @param queueCapacity the bounded queue in front of the sink, in records
 * @param queueBytes    … and in bytes (the encoded records)
 * @param fields        every field of the entry, as parsed from JSON (unmodifiable)
 * @param path          the JSON path of the entry, e.g. {@code listeners[0].filter_chains[0].filters[0].config.dump.sinks[0]}
 */
public record SinkSpec(String name, String type, int queueCapacity, long queueBytes, Map<String, Object> fields,
                       String path) {

    public static final int DEFAULT_QUEUE_CAPACITY = 8192;
    public static final long DEFAULT_QUEUE_BYTES = 16L << 20;
    /** Fields every sink entry may have; the others belong to the provider. */
    public static final Set<String> COMMON_FIELDS = Set.of("type", "name", "queue_capacity", "queue_bytes");

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
    public String requireString(String key, String expected) throws FilterConfigException {
        Object v = fields.get(key);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new FilterConfigException(path(key), v, expected);
        }
        return s;
    }

    /** An optional string field. */
    public String string(String key, String dflt, String expected) throws FilterConfigException {
        Object v = fields.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw new FilterConfigException(path(key), v, expected);
        }
        return s;
    }

    /** An optional integer field within {@code [min, max]}. */
    public long integer(String key, long dflt, long min, long max) throws FilterConfigException {
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
        throw new FilterConfigException(path(key), v, "an integer from " + min + " to " + max);
    }

    /** An optional boolean field. */
    public boolean bool(String key, boolean dflt) throws FilterConfigException {
        Object v = fields.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new FilterConfigException(path(key), v, "true or false");
    }

    /** An optional object of string, number or boolean values, returned as strings. */
    public Map<String, String> stringMap(String key) throws FilterConfigException {
        Object v = fields.get(key);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new FilterConfigException(path(key), v, "an object of settings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object x = e.getValue();
            if (x instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
                out.put(String.valueOf(e.getKey()), Long.toString(n.longValue()));
            } else if (x instanceof String || x instanceof Boolean || x instanceof Number) {
                out.put(String.valueOf(e.getKey()), String.valueOf(x));
            } else {
                throw new FilterConfigException(path(key) + "." + e.getKey(), x, "a string, number or boolean");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Fails on a field that neither {@link #COMMON_FIELDS} nor {@code known} contains. */
    public void rejectUnknown(Set<String> known) throws FilterConfigException {
        for (String k : fields.keySet()) {
            if (!COMMON_FIELDS.contains(k) && !known.contains(k)) {
                List<String> all = new ArrayList<>(known);
                all.addAll(COMMON_FIELDS);
                Collections.sort(all);
                throw new FilterConfigException(path(k), fields.get(k),
                        "no such field; a " + type + " sink accepts " + String.join(", ", all));
            }
        }
    }

    /**
     * Parses and validates {@code dump.sinks}: {@code null} (absent) gives no sinks. Each entry's provider is looked up
     * by type and validates its fields.
     *
     * @param base the JSON path of {@code sinks}
     */
    public static List<SinkSpec> parseAll(Object value, String base) throws FilterConfigException {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> l)) {
            throw new FilterConfigException(base, value, "a list of sink objects, e.g. [{\"type\": \"kafka\", ...}]");
        }
        Map<String, Integer> perType = new TreeMap<>();
        List<Map<String, Object>> entries = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Map<?, ?> m)) {
                throw new FilterConfigException(base + "[" + i + "]", l.get(i), "a sink object with a \"type\"");
            }
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(String.valueOf(k), v));
            entries.add(copy);
            if (copy.get("type") instanceof String t) {
                perType.merge(t, 1, Integer::sum);
            }
        }
        List<SinkSpec> out = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            Map<String, Object> m = entries.get(i);
            String path = base + "[" + i + "]";
            Object t = m.get("type");
            DumpSinkProvider provider = t instanceof String s ? provider(s) : null;
            if (provider == null) {
                throw new FilterConfigException(path + ".type", t, "one of the sink types available: "
                        + String.join(", ", providers().keySet()) + " (a sink's module must be on the classpath)");
            }
            String type = (String) t;
            Object n = m.get("name");
            if (n != null && (!(n instanceof String s) || s.isBlank())) {
                throw new FilterConfigException(path + ".name", n, "a non-empty string");
            }
            String name = n != null ? (String) n : perType.get(type) > 1 ? type + "_" + i : type;
            if (!names.add(name)) {
                throw new FilterConfigException(path + ".name", name, "a name no other sink of this dump has");
            }
            SinkSpec spec = new SinkSpec(name, type, DEFAULT_QUEUE_CAPACITY, DEFAULT_QUEUE_BYTES,
                    Collections.unmodifiableMap(m), path);
            int q = (int) spec.integer("queue_capacity", DEFAULT_QUEUE_CAPACITY, 1, 1 << 20);
            long qb = spec.integer("queue_bytes", DEFAULT_QUEUE_BYTES, 64 * 1024, 1L << 34);
            spec = new SinkSpec(name, type, q, qb, spec.fields, path);
            provider.validate(spec);
            out.add(spec);
        }
        return List.copyOf(out);
    }

    /** True when {@code a} and {@code b} configure the same sinks (their JSON paths aside). */
    public static boolean sameSinks(List<SinkSpec> a, List<SinkSpec> b) {
        return a.stream().map(SinkSpec::fields).toList().equals(b.stream().map(SinkSpec::fields).toList());
    }

    /** The provider of {@code type}, or null. */
    static DumpSinkProvider provider(String type) {
        return providers().get(type);
    }

    /** The union of every sink provider's {@link DumpSinkProvider#secretFields()}. */
    public static Set<String> secretFields() {
        Set<String> all = new java.util.TreeSet<>();
        for (DumpSinkProvider p : providers().values()) {
            all.addAll(p.secretFields());
        }
        return Collections.unmodifiableSet(all);
    }

    /** The providers on the class path (and the context class loader's), by type. */
    static Map<String, DumpSinkProvider> providers() {
        Map<String, DumpSinkProvider> m = new TreeMap<>();
        for (ClassLoader cl : new ClassLoader[]{SinkSpec.class.getClassLoader(), Thread.currentThread().getContextClassLoader()}) {
            if (cl == null) {
                continue;
            }
            for (DumpSinkProvider p : ServiceLoader.load(DumpSinkProvider.class, cl)) {
                m.putIfAbsent(p.type(), p);
            }
        }
        return m;
    }
}
