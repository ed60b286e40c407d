package io.ferry.tcpcopy.dump.sink;

import io.ferry.dump.spi.DumpSinkProvider;
import io.ferry.dump.spi.SinkConfig;
import io.ferry.dump.spi.SinkConfigException;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.FilterEnvironment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One entry of {@code "dump": {"sinks": [{"type": "kafka", ...}]}}, parsed: the {@link SinkConfig} its provider
 * sees (name, type, fields, JSON path), the provider that serves its type, and tcpcopy's own fields of every entry:
 * an optional {@code name} (default {@code <type>} or, when several sinks share a type, {@code <type>_<index>}), an
 * optional {@code queue_capacity} (records waiting for this sink, default 8192) and an optional {@code queue_bytes}
 * (bytes those records may hold, default 16 MiB). Immutable.
 *
 * @param config        the entry as the provider sees it
 * @param provider      the provider of {@code config.type()}, which validated it and will create the sink
 * @param queueCapacity the bounded queue in front of the sink, in records
 * @param queueBytes    … and in bytes (the encoded records)
 */
public record SinkSpec(SinkConfig config, DumpSinkProvider provider, int queueCapacity, long queueBytes) {

    public static final int DEFAULT_QUEUE_CAPACITY = 8192;
    public static final long DEFAULT_QUEUE_BYTES = 16L << 20;

    /** The name in stats and logs. */
    public String name() {
        return config.name();
    }

    /** The provider type. */
    public String type() {
        return config.type();
    }

    /** Every field of the entry, as parsed from JSON (unmodifiable). */
    public Map<String, Object> fields() {
        return config.fields();
    }

    /** The JSON path of the entry, e.g. {@code listeners[0].filter_chains[0].filters[0].config.dump.sinks[0]}. */
    public String path() {
        return config.path();
    }

    /** The JSON path of field {@code key} of this entry. */
    public String path(String key) {
        return config.path(key);
    }

    /**
     * Parses and validates {@code dump.sinks} with the sink providers on tcpcopy's own class path
     * ({@link #classPathProviders()}); {@code null} (absent) gives no sinks.
     *
     * @param base the JSON path of {@code sinks}
     */
    public static List<SinkSpec> parseAll(Object value, String base) throws FilterConfigException {
        return parseAll(value, base, classPathProviders());
    }

    /**
     * Parses and validates {@code dump.sinks}: {@code null} (absent) gives no sinks. Each entry's provider is looked up
     * by type in {@code providers} and validates its fields; its {@link SinkConfigException} is reported as a
     * {@link FilterConfigException} (Ferry's one format, credentials hidden by filter-api's rule).
     *
     * @param base      the JSON path of {@code sinks}
     * @param providers the sink providers available, by type
     */
    public static List<SinkSpec> parseAll(Object value, String base, Map<String, DumpSinkProvider> providers)
            throws FilterConfigException {
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
        Set<String> names = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            Map<String, Object> m = entries.get(i);
            String path = base + "[" + i + "]";
            Object t = m.get("type");
            DumpSinkProvider provider = t instanceof String s ? providers.get(s) : null;
            if (provider == null) {
                throw new FilterConfigException(path + ".type", t, "one of the sink types available: "
                        + String.join(", ", new TreeSet<>(providers.keySet()))
                        + " (a sink's module must be on the class path or in the plugin directory)");
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
            SinkConfig config = new SinkConfig(name, type, m, path);
            try {
                int q = (int) config.integer("queue_capacity", DEFAULT_QUEUE_CAPACITY, 1, 1 << 20);
                long qb = config.integer("queue_bytes", DEFAULT_QUEUE_BYTES, 64 * 1024, 1L << 34);
                provider.validate(config);
                out.add(new SinkSpec(config, provider, q, qb));
            } catch (SinkConfigException e) {
                throw reported(e);
            }
        }
        return List.copyOf(out);
    }

    /** A provider's {@link SinkConfigException} in Ferry's one format, credentials hidden as in every config error. */
    static FilterConfigException reported(SinkConfigException e) {
        FilterConfigException f = new FilterConfigException(e.path(), e.value(), e.expected());
        f.initCause(e);
        return f;
    }

    /** True when {@code a} and {@code b} configure the same sinks (their JSON paths aside). */
    public static boolean sameSinks(List<SinkSpec> a, List<SinkSpec> b) {
        return a.stream().map(SinkSpec::fields).toList().equals(b.stream().map(SinkSpec::fields).toList());
    }

    /** The union of {@code providers}' {@link DumpSinkProvider#secretFields()}. */
    public static Set<String> secretFields(Collection<DumpSinkProvider> providers) {
        Set<String> all = new TreeSet<>();
        for (DumpSinkProvider p : providers) {
            all.addAll(p.secretFields());
        }
        return Collections.unmodifiableSet(all);
    }

    /**
     * The sink providers a filter of {@code environment} can use, by type: the runtime's extensions first (the class
     * path, then the plugin directory: {@link FilterEnvironment#extensions}), then {@link #classPathProviders()} for
     * types the runtime did not offer (an embedding without extension lookup, such as the test kit). The first
     * provider of a type wins.
     */
    public static Map<String, DumpSinkProvider> providers(FilterEnvironment environment) {
        Map<String, DumpSinkProvider> m = new TreeMap<>();
        for (DumpSinkProvider p : environment.extensions(DumpSinkProvider.class)) {
            m.putIfAbsent(p.type(), p);
        }
        classPathProviders().forEach(m::putIfAbsent);
        return m;
    }

    /**
     * The providers {@link ServiceLoader} finds through tcpcopy's own class loader and the thread's context class
     * loader, by type (the first of a type wins): what an embedding without a runtime's extension lookup offers.
     */
    public static Map<String, DumpSinkProvider> classPathProviders() {
        Map<String, DumpSinkProvider> m = new TreeMap<>();
        for (ClassLoader cl : new ClassLoader[] {SinkSpec.class.getClassLoader(),
                Thread.currentThread().getContextClassLoader()}) {
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
