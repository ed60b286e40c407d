package io.ferry.proxy.runtime;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterEnvironment;
import io.ferry.filter.api.spi.PluginScope;
import io.ferry.filter.chain.PluginScopes;
import io.ferry.proxy.config.FilterEntry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code filters[]} entry handed to a provider: the config as JSON text and as a map of plain Java values
 * (objects are insertion-ordered maps, arrays lists, numbers {@code Double}), both unmodifiable, and the plugin scope
 * of its type in this runtime.
 */
final class RuntimeFilterConfig implements FilterConfig {

    private final FilterEntry entry;
    private final FilterEnvironment environment;
    private final Map<String, Object> map;
    private final PluginScopes scopes;

    RuntimeFilterConfig(FilterEntry entry, FilterEnvironment environment, PluginScopes scopes) {
        this.entry = entry;
        this.environment = environment;
        this.scopes = scopes;
        this.map = entry.config() == null ? Map.of() : toMap(entry.config());
    }

    @Override
    public String type() {
        return entry.type();
    }

    @Override
    public String path() {
        return entry.path() + ".config";
    }

    @Override
    public Map<String, Object> asMap() {
        return map;
    }

    @Override
    public String json() {
        return entry.config() == null ? "{}" : entry.config().toString();
    }

    @Override
    public FilterEnvironment environment() {
        return environment;
    }

    @Override
    public PluginScope pluginScope() {
        return scopes.of(entry.type());
    }

    static Map<String, Object> toMap(JsonObject object) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : object.entrySet()) {
            m.put(e.getKey(), toJava(e.getValue()));
        }
        return Collections.unmodifiableMap(m);
    }

    private static Object toJava(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            return toMap(e.getAsJsonObject());
        }
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            List<Object> l = new ArrayList<>(a.size());
            for (JsonElement x : a) {
                l.add(toJava(x));
            }
            return Collections.unmodifiableList(l);
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            return p.getAsDouble();
        }
        return p.getAsString();
    }
}
