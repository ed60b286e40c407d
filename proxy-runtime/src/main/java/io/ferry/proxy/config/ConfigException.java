package io.ferry.proxy.config;

/**
 * The configuration cannot be used. The message has Ferry's one format, {@code <json-path>: <value> (expected: ...)},
 * or, for a file that cannot be read or parsed, names the file and the position.
 */
public class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code path: value (expected: expected)}. */
    public static ConfigException at(String path, Object value, String expected) {
        return new ConfigException(io.ferry.filter.api.spi.FilterConfigException.format(path, value, expected));
    }
}
