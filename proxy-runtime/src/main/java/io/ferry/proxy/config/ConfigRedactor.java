package io.ferry.proxy.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.util.Locale;
import java.util.Map;

/**
 * Hides credentials in a config before it leaves the process ({@code GET /api/v1/config_dump}, dump files).
 *
 * <h2>The rule</h2>
 * Walking the whole JSON tree, a value is replaced by the string {@value #REDACTED} when
 * <ol>
 *   <li>its object key contains {@code secret}, {@code token}, {@code password} or {@code key}, compared
 *       case-insensitively ({@code private_key}, {@code open_api_token}, {@code apiKey}, {@code DB_PASSWORD}, ...).
 *       This covers TLS private keys wherever a {@code tls_context} appears (listener, {@code tls_context_set},
 *       cluster, {@code cluster_manager}) and every such value in filter {@code config} objects, {@code extends},
 *       tracing and metrics configs, which MOSN's own redaction leaves in clear. The whole value is replaced, even
 *       an object or an array; or</li>
 *   <li>it is a string that holds a PEM private key ({@code -----BEGIN ... PRIVATE KEY-----}), whatever its key.</li>
 * </ol>
 * JSON {@code null} and the empty string are left as they are, so a reader can still tell "not set" from "set". Keys
 * are never removed or renamed, and everything else is copied unchanged.
 *
 * <p>Stateless and thread-safe; the input is never modified.
 */
public final class ConfigRedactor {

    /** What a redacted value becomes. */
    public static final String REDACTED = "***REDACTED***";

    private static final String[] SENSITIVE = {"secret", "token", "password", "key"};

    private ConfigRedactor() {
    }

    /** A deep copy of {@code config} with the values the rule above selects replaced by {@value #REDACTED}. */
    public static JsonObject redact(JsonObject config) {
        return redactElement(config).getAsJsonObject();
    }

    /** As {@link #redact(JsonObject)}, for any JSON value. */
    public static JsonElement redactElement(JsonElement value) {
        if (value == null || value.isJsonNull()) {
            return value;
        }
        if (value.isJsonObject()) {
            JsonObject out = new JsonObject();
            for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
                JsonElement v = e.getValue();
                out.add(e.getKey(), isSensitiveKey(e.getKey()) && hasContent(v) ? new JsonPrimitive(REDACTED)
                        : redactElement(v));
            }
            return out;
        }
        if (value.isJsonArray()) {
            JsonArray out = new JsonArray();
            for (JsonElement v : value.getAsJsonArray()) {
                out.add(redactElement(v));
            }
            return out;
        }
        JsonPrimitive p = value.getAsJsonPrimitive();
        if (p.isString() && isPemPrivateKey(p.getAsString())) {
            return new JsonPrimitive(REDACTED);
        }
        return p;
    }

    /** True if a value under {@code key} is redacted: the key contains secret, token, password or key. */
    public static boolean isSensitiveKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        for (String s : SENSITIVE) {
            if (k.contains(s)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasContent(JsonElement v) {
        return v != null && !v.isJsonNull() && !(v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()
                && v.getAsString().isEmpty());
    }

    private static boolean isPemPrivateKey(String s) {
        int begin = s.indexOf("-----BEGIN ");
        return begin >= 0 && s.indexOf("PRIVATE KEY-----", begin) > 0;
    }
}
