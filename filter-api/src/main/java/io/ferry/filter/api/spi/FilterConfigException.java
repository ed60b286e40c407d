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
        if (value instanceof CharSequence) {
            return '"' + value.toString().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        if (value instanceof Double && ((Double) value) == Math.rint((Double) value) && !((Double) value).isInfinite()) {
            return Long.toString(((Double) value).longValue());
        }
        return String.valueOf(value);
    }
}
