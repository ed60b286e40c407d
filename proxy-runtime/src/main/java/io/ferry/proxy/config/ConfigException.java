package io.ferry.proxy.config;

import java.util.List;
import java.util.Optional;

/**
 * The configuration cannot be used. Each problem is one line in Ferry's one format,
 * {@code <json-path>: <value> (expected: ...)}, or, for a file that cannot be read or parsed, names the file and the
 * position. {@link #getMessage()} is every line, joined with {@code \n}, in the order they were found; a config with
 * several problems reports all of them at once.
 */
public class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;
    private final transient FerryConfig partial;

    public ConfigException(String message) {
        this(message, (Throwable) null);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
        this.problems = List.of(message);
        this.partial = null;
    }

    /**
     * Several problems at once.
     *
     * @param problems one line each, at least one
     * @param partial  what of the config could be read despite them (for checks that need a config, such as the
     *                 filters' own validation), or null
     */
    public ConfigException(List<String> problems, FerryConfig partial) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("no problems");
        }
        this.problems = List.copyOf(problems);
        this.partial = partial;
    }

    /** Every problem, one line each, in the order found. */
    public List<String> problems() {
        return problems;
    }

    /**
     * The config as far as it could be read, leaving out what the problems concern, when the loader found the
     * problems; empty for other failures.
     */
    public Optional<FerryConfig> partial() {
        return Optional.ofNullable(partial);
    }

    /** {@code path: value (expected: expected)}. */
    public static ConfigException at(String path, Object value, String expected) {
        return new ConfigException(io.ferry.filter.api.spi.FilterConfigException.format(path, value, expected));
    }
}
