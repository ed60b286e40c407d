package io.ferry.filter.api.spi;

import io.ferry.filter.api.Experimental;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One JSON object of a filter's {@code config}, with its JSON path, and typed access to its values: every getter
 * either returns a value of the type asked for or throws {@link FilterConfigException} whose message is Ferry's one
 * format, {@code <json-path>: <value> (expected: <what>)}, with the value rendered as the JSON of the file.
 *
 * <pre>{@code
 * public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {
 *     config.rejectUnknownKeys(Set.of("prefix", "timeout", "limits"));
 *     String prefix = config.getString("prefix");                        // required
 *     Duration timeout = config.getDuration("timeout", Duration.ofSeconds(5)); // "1m30s", "500ms" or 0
 *     ConfigObject limits = config.getObject("limits");
 *     int max = limits.getInt("max_connections", 100);
 *     ...
 * }
 * }</pre>
 *
 * <h2>Getters</h2>
 * {@code getX(key)} requires the key: absent, it fails with {@code <path>.<key>: missing (expected: ...)}; JSON
 * {@code null}, with {@code null (expected: ...)}. {@code getX(key, dflt)} returns {@code dflt} when the key is absent
 * or {@code null}, as Go leaves a field at its zero value. A value of another JSON type is an error, never converted:
 * {@code "30"} is not an integer, {@code 1} is not {@code true}, as with Go's {@code encoding/json}.
 * <ul>
 *   <li>Integers ({@link #getInt}, {@link #getLong}) are JSON numbers without a fractional part ({@code 30} and
 *       {@code 30.0} and {@code 3e1} alike), in the type's range; exact up to 2<sup>53</sup>, as MOSN's
 *       {@code float64} config maps are.</li>
 *   <li>Durations ({@link #getDuration}) are MOSN's {@code api.DurationConfig}: a string Go's
 *       {@code time.ParseDuration} accepts ({@code "10s"}, {@code "300ms"}, {@code "1m30s"}, {@code "1.5h"},
 *       {@code "2us"}; units {@code ns us µs ms s m h}), or the bare number {@code 0}. Any other bare number fails,
 *       as in MOSN ("a bare number needs a unit"); negative durations are refused.</li>
 * </ul>
 *
 * <h2>Key matching</h2>
 * Keys match exactly, as a MOSN filter that indexes its {@code map[string]interface{}} does. {@link #ignoringCase()}
 * gives a view that matches keys as Go's {@code encoding/json} does when MOSN decodes a config into a struct:
 * ignoring case, and when several keys of the object match, the last one in the file wins. Error messages name a key
 * as the file writes it.
 *
 * <p>Immutable and thread-safe. Implementations need only {@link #path()} and {@link #asMap()}; every other method
 * is defined on them.
 */
@Experimental
public interface ConfigObject {

    /** The JSON path of this object, e.g. {@code listeners[0].filter_chains[0].filters[1].config.limits}. */
    String path();

    /** The JSON path of {@code relative} inside this object: {@code path("strategy.interval")}. */
    default String path(String relative) {
        return relative == null || relative.isEmpty() ? path() : path() + "." + relative;
    }

    /**
     * The object as plain Java values: objects are {@code Map<String, Object>} (insertion order kept), arrays
     * {@code List<Object>}, numbers {@code Double} (MOSN's {@code float64}), and {@code String}, {@code Boolean} or
     * {@code null}. Unmodifiable.
     */
    Map<String, Object> asMap();

    /** A view of this object whose keys match as Go's {@code encoding/json} matches them (see the class comment). */
    default ConfigObject ignoringCase() {
        return ConfigView.of(this, true);
    }

    /** The keys of this object, as the file writes them, in file order. */
    default Set<String> keys() {
        return asMap().keySet();
    }

    /** True if {@code key} is present with a value other than JSON {@code null}. */
    default boolean has(String key) {
        return ConfigView.of(this).has(key);
    }

    /** The string under {@code key}. */
    default String getString(String key) throws FilterConfigException {
        return ConfigView.of(this).getString(key);
    }

    /** The string under {@code key}, or {@code dflt} if it is absent or {@code null}. */
    default String getString(String key, String dflt) throws FilterConfigException {
        return ConfigView.of(this).getString(key, dflt);
    }

    /** The integer under {@code key}, from {@link Integer#MIN_VALUE} to {@link Integer#MAX_VALUE}. */
    default int getInt(String key) throws FilterConfigException {
        return ConfigView.of(this).getInt(key);
    }

    /** The integer under {@code key}, or {@code dflt} if it is absent or {@code null}. */
    default int getInt(String key, int dflt) throws FilterConfigException {
        return ConfigView.of(this).getInt(key, dflt);
    }

    /** The integer under {@code key}, from {@link Long#MIN_VALUE} to {@link Long#MAX_VALUE}. */
    default long getLong(String key) throws FilterConfigException {
        return ConfigView.of(this).getLong(key);
    }

    /** The integer under {@code key}, or {@code dflt} if it is absent or {@code null}. */
    default long getLong(String key, long dflt) throws FilterConfigException {
        return ConfigView.of(this).getLong(key, dflt);
    }

    /** The number under {@code key}. */
    default double getDouble(String key) throws FilterConfigException {
        return ConfigView.of(this).getDouble(key);
    }

    /** The number under {@code key}, or {@code dflt} if it is absent or {@code null}. */
    default double getDouble(String key, double dflt) throws FilterConfigException {
        return ConfigView.of(this).getDouble(key, dflt);
    }

    /** The boolean under {@code key}: JSON {@code true} or {@code false}. */
    default boolean getBoolean(String key) throws FilterConfigException {
        return ConfigView.of(this).getBoolean(key);
    }

    /** The boolean under {@code key}, or {@code dflt} if it is absent or {@code null}. */
    default boolean getBoolean(String key, boolean dflt) throws FilterConfigException {
        return ConfigView.of(this).getBoolean(key, dflt);
    }

    /** The duration under {@code key}, in MOSN's syntax (see the class comment). */
    default Duration getDuration(String key) throws FilterConfigException {
        return ConfigView.of(this).getDuration(key);
    }

    /** The duration under {@code key}, or {@code dflt} if it is absent or {@code null}. */
    default Duration getDuration(String key, Duration dflt) throws FilterConfigException {
        return ConfigView.of(this).getDuration(key, dflt);
    }

    /** The JSON object under {@code key}, with its path; an {@link #ignoringCase()} view gives such views. */
    default ConfigObject getObject(String key) throws FilterConfigException {
        return ConfigView.of(this).getObject(key);
    }

    /** The JSON array under {@code key}, its elements as in {@link #asMap()}. */
    default List<Object> getList(String key) throws FilterConfigException {
        return ConfigView.of(this).getList(key);
    }

    /** The JSON array under {@code key}, or {@code dflt} if it is absent or {@code null}. */
    default List<Object> getList(String key, List<Object> dflt) throws FilterConfigException {
        return ConfigView.of(this).getList(key, dflt);
    }

    /** The JSON array of strings under {@code key}; an element of another type fails at {@code <key>[i]}. */
    default List<String> getStringList(String key) throws FilterConfigException {
        return ConfigView.of(this).getStringList(key);
    }

    /** The JSON array of objects under {@code key}, each with its path {@code <key>[i]}. */
    default List<ConfigObject> getObjectList(String key) throws FilterConfigException {
        return ConfigView.of(this).getObjectList(key);
    }

    /**
     * Fails on the first key of this object that is not one of {@code known} (compared as this view compares keys):
     * {@code <path>.<key>: <value> (expected: one of [<known>]; did you mean "<closest>"?)}. MOSN ignores unknown
     * keys silently; a filter that calls this catches a misspelt key at startup.
     */
    default void rejectUnknownKeys(Collection<String> known) throws FilterConfigException {
        ConfigView.of(this).rejectUnknownKeys(known);
    }
}
