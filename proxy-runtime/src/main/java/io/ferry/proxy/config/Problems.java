package io.ferry.proxy.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The problems found while loading or starting a config, one line each, in the order found, without duplicates. Not
 * thread-safe.
 */
public final class Problems {

    private final Set<String> lines = new LinkedHashSet<>();

    /** Adds every problem of {@code e}. */
    public void add(ConfigException e) {
        lines.addAll(e.problems());
    }

    /** Adds one line. */
    public void add(String line) {
        lines.add(line);
    }

    public boolean isEmpty() {
        return lines.isEmpty();
    }

    /** The lines, in the order found. */
    public List<String> lines() {
        return new ArrayList<>(lines);
    }

    /** Throws one {@link ConfigException} with every line when there are any. */
    public void throwIfAny(FerryConfig partial) throws ConfigException {
        if (!lines.isEmpty()) {
            throw new ConfigException(lines(), partial);
        }
    }
}
