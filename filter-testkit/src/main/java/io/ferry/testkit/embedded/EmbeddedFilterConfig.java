package io.ferry.testkit.embedded;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterEnvironment;
import io.ferry.filter.api.spi.PluginScope;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link FilterConfig} built from JSON text, shaped as the proxy runtime shapes it: {@link #asMap()} has
 * {@code Map}s, {@code List}s, {@code Double}s, {@code String}s, {@code Boolean}s and {@code null}s, insertion order
 * kept; the typed getters of {@link io.ferry.filter.api.spi.ConfigObject} work on it as in the runtime.
 */
public final class EmbeddedFilterConfig implements FilterConfig {

    /** The path of the first filter of the first listener, the default for harness configs. */
    public static final String DEFAULT_PATH = "listeners[0].filter_chains[0].filters[0].config";

    private final String type;
    private final String path;
    private final String json;
    private final Map<String, Object> map;
    private final FilterEnvironment environment;

    /**
     * @param json the {@code config} object; {@code null} or blank means {@code {}}
     * @throws IllegalArgumentException if {@code json} is not a JSON object
     */
    public EmbeddedFilterConfig(String type, String path, String json, FilterEnvironment environment) {
        this.type = Objects.requireNonNull(type, "type");
        this.path = Objects.requireNonNull(path, "path");
        this.environment = Objects.requireNonNull(environment, "environment");
        JsonElement parsed;
        try {
            parsed = json == null || json.isBlank() ? new JsonObject() : JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(path + ": " + json + " (expected: a JSON object; " + e.getMessage()
                    + ")", e);
        }
        if (!parsed.isJsonObject()) {
            throw new IllegalArgumentException(path + ": " + json + " (expected: a JSON object)");
        }
        this.json = parsed.toString();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) toJava(parsed);
        this.map = m;
    }

    @Override
    public String type() {
        return type;
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
    public String json() {
        return json;
    }

    @Override
    public FilterEnvironment environment() {
        return environment;
    }

    /**
     * The plugin scope of {@link #type()} in the environment, when it is an {@link EmbeddedEnvironment}.
     *
     * @throws UnsupportedOperationException for an environment of another kind
     */
    @Override
    public PluginScope pluginScope() {
        if (environment instanceof EmbeddedEnvironment e) {
            return e.pluginScope(type);
        }
        return FilterConfig.super.pluginScope();
    }

    private static Object toJava(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> entry : ((JsonObject) e).entrySet()) {
                m.put(entry.getKey(), toJava(entry.getValue()));
            }
            return Collections.unmodifiableMap(m);
        }
        if (e.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonElement item : (JsonArray) e) {
                l.add(toJava(item));
            }
            return Collections.unmodifiableList(l);
        }
        JsonPrimitive p = (JsonPrimitive) e;
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            return p.getAsDouble();
        }
        return p.getAsString();
    }
}
