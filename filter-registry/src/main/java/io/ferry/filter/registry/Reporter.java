package io.ferry.filter.registry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place registry diagnostics go through, after SLF4J's {@code Reporter}: each is one line with a stable
 * prefix, {@value #WARN_PREFIX} or {@value #ERROR_PREFIX}, logged through SLF4J (logger {@code
 * io.ferry.filter.registry}) and kept for {@link FilterRegistry#problems()}. The inventory goes to INFO without a
 * prefix and is not a problem. Used by one building thread; not thread-safe.
 */
final class Reporter {

    static final String WARN_PREFIX = "FILTER-REGISTRY(W): ";
    static final String ERROR_PREFIX = "FILTER-REGISTRY(E): ";

    static final Logger LOG = LoggerFactory.getLogger("io.ferry.filter.registry");

    private final List<String> problems = new ArrayList<>();
    private int errors;

    /** Something suspicious that did not stop the provider from loading. */
    void warn(String sentence) {
        String line = WARN_PREFIX + sentence;
        problems.add(line);
        LOG.warn(line);
    }

    /** A provider that was not loaded, or a type that cannot be used. */
    void error(String sentence) {
        String line = ERROR_PREFIX + sentence;
        problems.add(line);
        errors++;
        LOG.error(line);
    }

    void info(String line) {
        LOG.info(line);
    }

    int errorCount() {
        return errors;
    }

    List<String> problems() {
        return List.copyOf(problems);
    }
}
