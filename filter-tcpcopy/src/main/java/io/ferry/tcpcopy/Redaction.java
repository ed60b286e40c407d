package io.ferry.tcpcopy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The redaction rule of the config dump, the same as the runtime's {@code config_dump}: TLS private keys and any value
 * whose key contains {@code secret}, {@code token}, {@code password} or {@code key} (case-insensitive) become
 * {@code "***REDACTED***"}, at any depth. Null values stay null. Implemented here because filter-tcpcopy depends on
 * {@code filter-api} alone.
 */
public final class Redaction {

    public static final String REDACTED = "***REDACTED***";

    private Redaction() {
    }

    /** True if a value under {@code key} is redacted. */
    public static boolean isSensitive(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("secret") || k.contains("token") || k.contains("password") || k.contains("key");
    }

    /** A redacted deep copy of {@code value} (maps and lists are copied; other values are kept). */
    public static Object redact(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                out.put(k, e.getValue() != null && isSensitive(k) ? REDACTED : redact(e.getValue()));
            }
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(redact(o));
            }
            return out;
        }
        return value;
    }
}
