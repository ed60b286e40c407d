package com.example.ferry.router;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Provides {@code example.preamble_router}: every connection starts with a preamble line naming the cluster it goes
 * to; the filter strips the line and routes the connection for the {@code tcp_proxy} placed after it.
 *
 * <pre>{@code
 * "filters": [
 *   {"type": "example.preamble_router", "config": {"clusters": ["blue", "green"], "max_preamble_bytes": 256,
 *                                                  "preamble_timeout_ms": 10000}},
 *   {"type": "tcp_proxy", "config": {"cluster": "blue"}}
 * ]
 * }</pre>
 *
 * <ul>
 *   <li>{@code clusters}: the clusters a preamble may name; each must be a cluster of the runtime. Default: every
 *       cluster of the runtime.</li>
 *   <li>{@code max_preamble_bytes}: the longest preamble, its newline included, 8 to 4096; default 256.</li>
 *   <li>{@code preamble_timeout_ms}: how long a connection may take to send its preamble, 0 for no limit; default
 *       10000.</li>
 * </ul>
 * The preamble is {@code ROUTE <cluster>} or {@code ROUTE <cluster> <key>}, ASCII, ended by {@code \n} (or
 * {@code \r\n}); with a key, connections with the same key go to the same host of an {@code LB_MAGLEV} cluster. See
 * {@link PreambleRouterFilter}.
 */
public final class PreambleRouterProvider implements NetworkFilterFactoryProvider {

    /** The filter's {@code type} in the JSON config. */
    public static final String TYPE = "example.preamble_router";

    private static final Set<String> KEYS = Set.of("clusters", "max_preamble_bytes", "preamble_timeout_ms");

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String apiVersion() {
        return FilterApi.VERSION;
    }

    @Override
    public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {
        Map<String, Object> map = config.asMap();
        for (String key : map.keySet()) {
            if (!KEYS.contains(key)) {
                throw new FilterConfigException(config.path(key), map.get(key),
                        "no such key; the keys are " + new java.util.TreeSet<>(KEYS));
            }
        }
        Set<String> runtime = config.environment().clusterNames();
        Set<String> clusters = new LinkedHashSet<>();
        Object list = map.get("clusters");
        if (list == null) {
            clusters.addAll(runtime);
        } else if (list instanceof List<?> l && !l.isEmpty()) {
            List<Object> items = new ArrayList<>(l);
            for (int i = 0; i < items.size(); i++) {
                Object c = items.get(i);
                if (!(c instanceof String name) || !runtime.contains(name)) {
                    throw new FilterConfigException(config.path("clusters[" + i + "]"), c,
                            "the name of a cluster in cluster_manager.clusters " + runtime);
                }
                clusters.add(name);
            }
        } else {
            throw new FilterConfigException(config.path("clusters"), list,
                    "a non-empty list of cluster names, or no key for every cluster");
        }
        if (clusters.isEmpty()) {
            throw new FilterConfigException(config.path("clusters"), list,
                    "clusters to route to (the runtime has none)");
        }
        int max = integer(config, map, "max_preamble_bytes", 256, 8, 4096);
        int timeout = integer(config, map, "preamble_timeout_ms", 10_000, 0, 3_600_000);
        return new PreambleRouterFactory(Set.copyOf(clusters), max, timeout, config.environment());
    }

    private static int integer(FilterConfig config, Map<String, Object> map, String key, int otherwise, int min,
                               int max) throws FilterConfigException {
        Object v = map.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof Double d) || d != Math.rint(d) || d < min || d > max) {
            throw new FilterConfigException(config.path(key), v, "an integer from " + min + " to " + max);
        }
        return d.intValue();
    }
}
