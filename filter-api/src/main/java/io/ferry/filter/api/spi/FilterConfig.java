package io.ferry.filter.api.spi;

import io.ferry.filter.api.Experimental;
import io.ferry.filter.api.Stable;

import java.util.Map;

/**
 * One {@code filters[]} entry, as handed to {@link NetworkFilterFactoryProvider#create}: its {@code config} object,
 * where it is in the file, and the runtime's services.
 *
 * <p>Read the config with the typed getters of {@link ConfigObject} ({@code getInt}, {@code getDuration},
 * {@code getObject}, ...), which fail with a {@link FilterConfigException} naming the JSON path and what was expected;
 * or as {@link #json()}, the {@code config} object re-serialised (parse it with the JSON library of your choice); or
 * as {@link #asMap()}, where JSON objects are {@code Map<String, Object>} (insertion order kept), arrays
 * {@code List<Object>}, and <b>every number a {@code Double}</b>, integers included, as in the
 * {@code map[string]interface{}} MOSN hands its filters ({@code float64}), so that code ported from a Go filter reads
 * the same values; {@code String}, {@code Boolean} or {@code null} otherwise. Keys are as written in the file: like
 * MOSN, a filter that indexes the map directly is case-sensitive; {@link #ignoringCase()} matches them as MOSN's
 * decoder does.
 */
@Stable
public interface FilterConfig extends ConfigObject {

    /** The entry's {@code type}. */
    String type();

    /** The JSON path of the entry's {@code config} object, e.g. {@code listeners[0].filter_chains[0].filters[1].config}. */
    @Override
    String path();

    /** The JSON path of {@code relative} inside the config: {@code path(\"strategy.interval\")}. */
    @Override
    default String path(String relative) {
        return relative == null || relative.isEmpty() ? path() : path() + "." + relative;
    }

    /** The {@code config} object; empty if the entry has none. Unmodifiable. Numbers are {@code Double}s. */
    @Override
    Map<String, Object> asMap();

    /** The {@code config} object as JSON text; {@code "{}"} if the entry has none. */
    String json();

    /** The runtime's services: admin endpoints, stats, metrics and timers. */
    FilterEnvironment environment();

    /**
     * The scope this filter type shares in this runtime: the same object for every {@code filters[]} entry of
     * {@link #type()}, on every listener, until the runtime stops. See {@link PluginScope}.
     *
     * @throws UnsupportedOperationException from an implementation that has no runtime behind it (a hand-written
     *                                       config in a unit test); the runtime and the test kit provide one
     */
    @Experimental
    default PluginScope pluginScope() {
        throw new UnsupportedOperationException(getClass().getName() + " has no plugin scope: the proxy runtime and "
                + "the test kit's EmbeddedFilterConfig provide one");
    }
}
