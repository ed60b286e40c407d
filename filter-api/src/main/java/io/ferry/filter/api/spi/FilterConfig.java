package io.ferry.filter.api.spi;

import io.ferry.filter.api.Stable;

import java.util.Map;

/**
 * One {@code filters[]} entry, as handed to {@link NetworkFilterFactoryProvider#create}.
 *
 * <p>The config is given two ways: as {@link #json()}, the entry's {@code config} object re-serialised (parse it with
 * the JSON library of your choice), and as {@link #asMap()}, where JSON objects are {@code Map<String, Object>}
 * (insertion order kept), arrays {@code List<Object>}, numbers {@code Double} (as MOSN's
 * {@code map[string]interface{}} has {@code float64}), and {@code String}, {@code Boolean} or {@code null}. Keys are
 * as written in the file: like MOSN, a filter that indexes the map directly is case-sensitive.
 */
@Stable
public interface FilterConfig {

    /** The entry's {@code type}. */
    String type();

    /** The JSON path of the entry's {@code config} object, e.g. {@code listeners[0].filter_chains[0].filters[1].config}. */
    String path();

    /** The JSON path of {@code relative} inside the config: {@code path(\"strategy.interval\")}. */
    default String path(String relative) {
        return relative == null || relative.isEmpty() ? path() : path() + "." + relative;
    }

    /** The {@code config} object; empty if the entry has none. Unmodifiable. */
    Map<String, Object> asMap();

    /** The {@code config} object as JSON text; {@code "{}"} if the entry has none. */
    String json();

    /** The runtime's services: admin endpoints, stats, timers, and runtime-specific lookups. */
    FilterEnvironment environment();
}
