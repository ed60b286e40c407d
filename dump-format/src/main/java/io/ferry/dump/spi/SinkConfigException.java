package io.ferry.dump.spi;

import java.util.Map;

/**
 * A dump sink's entry is invalid: {@link DumpSinkProvider#validate} names the offending value by its JSON path, the
 * value as found and what would have been accepted. The host that parses the entry (tcpcopy) reports it in Ferry's
 * one error format, {@code <json-path>: <value> (expected: <what>)}, hiding credentials by its own rule; the message
 * of this exception is that format without the host's redaction, so a provider must not put a credential in
 * {@code value} (show {@code "[hidden]"} instead) when it knows one.
 */
public class SinkConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String path;
    private final transient Object value;
    private final String expected;

    /**
     * @param path     the JSON path of the offending value ({@link SinkConfig#path(String)})
     * @param value    the offending value as found ({@code null} if missing): a string, number, boolean, list or map
     * @param expected what would have been accepted
     */
    public SinkConfigException(String path, Object value, String expected) {
        super(path + ": " + render(value) + " (expected: " + expected + ")");
        this.path = path;
        this.value = value;
        this.expected = expected;
    }

    /** The JSON path of the offending value. */
    public String path() {
        return path;
    }

    /** The offending value as found in the entry; {@code null} if it is missing. */
    public Object value() {
        return value;
    }

    /** What would have been accepted. */
    public String expected() {
        return expected;
    }

    /** {@code value} as JSON: {@code missing} for null, strings quoted, whole numbers without a fraction. */
    static String render(Object value) {
        if (value == null) {
            return "missing";
        }
        StringBuilder sb = new StringBuilder();
        json(value, sb);
        return sb.toString();
    }

    private static void json(Object value, StringBuilder sb) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof CharSequence s) {
            string(s.toString(), sb);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            sb.append(d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15 ? Long.toString((long) d)
                    : value.toString());
        } else if (value instanceof Map<?, ?> m) {
            sb.append('{');
            String sep = "";
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(sep);
                sep = ",";
                string(String.valueOf(e.getKey()), sb);
                sb.append(':');
                json(e.getValue(), sb);
            }
            sb.append('}');
        } else if (value instanceof Iterable<?> it) {
            sb.append('[');
            String sep = "";
            for (Object o : it) {
                sb.append(sep);
                sep = ",";
                json(o, sb);
            }
            sb.append(']');
        } else {
            sb.append(value);
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
