package io.ferry.filter.api.spi;

import io.ferry.filter.api.Stable;

/**
 * A filter's config is invalid. The message has Ferry's one format: {@code <json-path>: <value> (expected: <what>)},
 * for example {@code listeners[0].filter_chains[0].filters[0].config.strategy.interval: 10 (expected: an integer
 * from 30 to 3600)}.
 */
@Stable
public class FilterConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String path;

    /**
     * @param path     the JSON path of the offending value (use {@link FilterConfig#path(String)})
     * @param value    the offending value as found in the config ({@code null} if missing); rendered as JSON
     * @param expected what would have been accepted
     */
    public FilterConfigException(String path, Object value, String expected) {
        super(format(path, value, expected));
        this.path = path;
    }

    /** A message already in the {@code <json-path>: <value> (expected: ...)} format, with a cause. */
    public FilterConfigException(String path, String message, Throwable cause) {
        super(message, cause);
        this.path = path;
    }

    /** The JSON path of the offending value. */
    public String path() {
        return path;
    }

    /**
     * Renders {@code path: value (expected: expected)}, quoting strings as JSON does. A credential is never shown: a
     * value whose key (the last name in {@code path}) {@linkplain Secrets#isSecretName names a credential} is
     * rendered as {@value Secrets#REDACTED}, and a string value passes through {@link Secrets#redactString} (the
     * password in a URL).
     */
    public static String format(String path, Object value, String expected) {
        Object shown = value;
        if (value != null && Secrets.isSecretName(lastName(path))) {
            shown = Secrets.REDACTED;
        } else if (value instanceof CharSequence s) {
            shown = Secrets.redactString(s.toString());
        }
        return path + ": " + render(shown) + " (expected: " + expected + ")";
    }

    /** {@code a.b[2].c} → {@code c}; {@code a.b[2]} → {@code b}. */
    private static String lastName(String path) {
        if (path == null) {
            return "";
        }
        String p = path;
        while (p.endsWith("]") && p.lastIndexOf('[') > 0) {
            p = p.substring(0, p.lastIndexOf('['));
        }
        return p.substring(p.lastIndexOf('.') + 1);
    }

    private static String render(Object value) {
        if (value == null) {
            return "missing";
        }
        StringBuilder sb = new StringBuilder();
        json(value, sb);
        return sb.toString();
    }

    /**
     * Appends {@code value} as JSON: what {@link FilterConfig#asMap()} holds (maps, lists, strings, numbers, booleans,
     * null) is written back as the JSON it came from ({@code {"switch":"ON","interval":30}}, never Java's
     * {@code {switch=ON, interval=30.0}}); a whole number held as a {@code double} is written without a fraction.
     * Anything else is written as its {@code toString()} (a JSON library's tree node writes its JSON).
     */
    private static void json(Object value, StringBuilder sb) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof CharSequence) {
            string(value.toString(), sb);
        } else if (value instanceof Boolean) {
            sb.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
                sb.append((long) d);
            } else {
                sb.append(value);
            }
        } else if (value instanceof Number) {
            sb.append(value);
        } else if (value instanceof java.util.Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (java.util.Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(String.valueOf(e.getKey()), sb);
                sb.append(':');
                json(e.getValue(), sb);
            }
            sb.append('}');
        } else if (value instanceof Iterable<?> it) {
            sb.append('[');
            boolean first = true;
            for (Object o : it) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                json(o, sb);
            }
            sb.append(']');
        } else if (value instanceof Object[] array) {
            json(java.util.Arrays.asList(array), sb);
        } else {
            sb.append(value); // e.g. a JSON tree node, whose toString() is its JSON
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
