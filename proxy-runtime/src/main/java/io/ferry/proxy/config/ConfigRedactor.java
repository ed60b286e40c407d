package io.ferry.proxy.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.ferry.filter.api.spi.Secrets;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Hides credentials in a config before it leaves the process ({@code GET /api/v1/config_dump}, dump files, logs).
 *
 * <h2>The rule</h2>
 * filter-api's {@link Secrets}, over the whole JSON tree: a value is replaced by the string {@value #REDACTED} when
 * <ol>
 *   <li>its key names a credential: it contains {@code secret}, {@code token}, {@code password}, {@code passwd},
 *       {@code pwd}, {@code credential}, {@code auth}, {@code dsn} or {@code key}, compared case-insensitively
 *       ({@code private_key}, {@code db_passwd}, {@code credentials}, {@code authorization}, {@code apiKey},
 *       {@code DSN}, ...). This covers TLS private keys wherever a {@code tls_context} appears and every such value
 *       in filter {@code config} objects, {@code extends}, tracing and metrics configs, which MOSN's own redaction
 *       leaves in clear. The whole value is replaced, even an object or an array;</li>
 *   <li>its key is one the filter declares ({@link io.ferry.filter.api.spi.NetworkFilterFactoryProvider#secretFields()}):
 *       inside an object that has a {@code type} and a {@code config}, every key the provider of that type lists is
 *       hidden at any depth of the {@code config} (tcpcopy lists its dump sinks' keys, so a Kafka sink's
 *       {@code sasl.jaas.config} is hidden); or</li>
 *   <li>it is a string that holds a PEM private key (replaced whole, whatever its key) or a URL with user
 *       information ({@code mysql://app:pw@db/x} becomes {@code mysql://***REDACTED***@db/x}).</li>
 * </ol>
 * JSON {@code null} and the empty string are left as they are, so a reader can still tell "not set" from "set". Keys
 * are never removed or renamed, and everything else is copied unchanged.
 *
 * <p>Stateless and thread-safe; the input is never modified.
 */
public final class ConfigRedactor {

    /** What a redacted value becomes. */
    public static final String REDACTED = Secrets.REDACTED;

    private static final Function<String, Set<String>> NONE = type -> Set.of();

    private ConfigRedactor() {
    }

    /** A deep copy of {@code config} with the values the rule above selects (by name and value) replaced. */
    public static JsonObject redact(JsonObject config) {
        return redact(config, NONE);
    }

    /**
     * As {@link #redact(JsonObject)}, also hiding in the {@code config} of each {@code {"type": T, "config": ...}}
     * object the keys {@code secretFields.apply(T)} declares.
     */
    public static JsonObject redact(JsonObject config, Function<String, Set<String>> secretFields) {
        return redactElement(config, Set.of(), secretFields == null ? NONE : secretFields).getAsJsonObject();
    }

    /** As {@link #redact(JsonObject)}, for any JSON value. */
    public static JsonElement redactElement(JsonElement value) {
        return redactElement(value, Set.of(), NONE);
    }

    private static JsonElement redactElement(JsonElement value, Set<String> declared,
                                             Function<String, Set<String>> secretFields) {
        if (value == null || value.isJsonNull()) {
            return value;
        }
        if (value.isJsonObject()) {
            JsonObject in = value.getAsJsonObject();
            Set<String> forConfig = declaredFor(in, declared, secretFields);
            JsonObject out = new JsonObject();
            for (Map.Entry<String, JsonElement> e : in.entrySet()) {
                JsonElement v = e.getValue();
                Set<String> inner = forConfig != declared && e.getKey().equalsIgnoreCase("config") ? forConfig : declared;
                out.add(e.getKey(), Secrets.isSecretKey(e.getKey(), declared) && hasContent(v)
                        ? new JsonPrimitive(REDACTED) : redactElement(v, inner, secretFields));
            }
            return out;
        }
        if (value.isJsonArray()) {
            JsonArray out = new JsonArray();
            for (JsonElement v : value.getAsJsonArray()) {
                out.add(redactElement(v, declared, secretFields));
            }
            return out;
        }
        JsonPrimitive p = value.getAsJsonPrimitive();
        if (p.isString()) {
            String s = p.getAsString();
            String r = Secrets.redactString(s);
            return r.equals(s) ? p : new JsonPrimitive(r);
        }
        return p;
    }

    /**
     * The credential values of {@code config} (see {@link Secrets#secretValues}), with each filter's declared keys
     * applied to its {@code config}: what a log layer scrubs from free text.
     */
    public static Set<String> secretValues(JsonObject config, Function<String, Set<String>> secretFields) {
        Set<String> out = new LinkedHashSet<>();
        collect(config, Set.of(), secretFields == null ? NONE : secretFields, out);
        return out;
    }

    private static void collect(JsonElement value, Set<String> declared, Function<String, Set<String>> secretFields,
                                Set<String> out) {
        if (value == null || value.isJsonNull()) {
            return;
        }
        if (value.isJsonObject()) {
            JsonObject in = value.getAsJsonObject();
            Set<String> forConfig = declaredFor(in, declared, secretFields);
            for (Map.Entry<String, JsonElement> e : in.entrySet()) {
                Set<String> inner = forConfig != declared && e.getKey().equalsIgnoreCase("config") ? forConfig : declared;
                if (Secrets.isSecretKey(e.getKey(), declared)) {
                    Object v = toJava(e.getValue());
                    if (v != null) {
                        out.addAll(Secrets.secretValues(Map.of("secret", v), Set.of()));
                    }
                } else {
                    collect(e.getValue(), inner, secretFields, out);
                }
            }
        } else if (value.isJsonArray()) {
            for (JsonElement v : value.getAsJsonArray()) {
                collect(v, declared, secretFields, out);
            }
        } else if (value.getAsJsonPrimitive().isString()) {
            out.addAll(Secrets.secretValues(value.getAsString(), Set.of()));
        }
    }

    /** The keys hidden in {@code o}'s {@code config}: the declared keys of its {@code type}, added to the outer ones. */
    private static Set<String> declaredFor(JsonObject o, Set<String> declared, Function<String, Set<String>> fields) {
        JsonElement type = member(o, "type");
        JsonElement config = member(o, "config");
        if (type == null || !type.isJsonPrimitive() || !type.getAsJsonPrimitive().isString() || config == null
                || !config.isJsonObject()) {
            return declared;
        }
        Set<String> own = fields.apply(type.getAsString());
        if (own == null || own.isEmpty()) {
            return declared;
        }
        Set<String> all = new LinkedHashSet<>(declared);
        all.addAll(own);
        return Collections.unmodifiableSet(all);
    }

    private static JsonElement member(JsonObject o, String key) {
        JsonElement found = null;
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (e.getKey().equalsIgnoreCase(key)) {
                found = e.getValue();
            }
        }
        return found;
    }

    /** JSON as plain Java values: maps, lists, strings, numbers, booleans, null. */
    static Object toJava(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            e.getAsJsonObject().entrySet().forEach(x -> m.put(x.getKey(), toJava(x.getValue())));
            return m;
        }
        if (e.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> l.add(toJava(x)));
            return l;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isBoolean() ? p.getAsBoolean() : p.isNumber() ? p.getAsNumber() : p.getAsString();
    }

    /** True if a value under {@code key} is redacted by its name (see {@link Secrets#isSecretName}). */
    public static boolean isSensitiveKey(String key) {
        return Secrets.isSecretName(key);
    }

    private static boolean hasContent(JsonElement v) {
        return v != null && !v.isJsonNull() && !(v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()
                && v.getAsString().isEmpty());
    }
}
