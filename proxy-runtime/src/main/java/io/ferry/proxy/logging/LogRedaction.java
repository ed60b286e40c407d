package io.ferry.proxy.logging;

import io.ferry.filter.api.spi.Secrets;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The credential values of the running config, scrubbed from every log line (by the logging backend: the CLI's
 * Logback layout {@code io.ferry.cli.ScrubbingLayout}) and every error
 * message the CLI prints: whatever a library or a filter puts in a message, a value the config holds under a secret
 * key (see {@link Secrets}) comes out as {@value Secrets#REDACTED}, and so does the user information of any URL.
 *
 * <p>The runtime {@linkplain #add adds} the values when it loads a config and again when it learns which keys each
 * filter declares secret, before the filter is created. Values are only ever added (a process that loaded a config
 * keeps hiding its secrets after a reload). Thread-safe; {@link #scrub} takes no lock.
 */
public final class LogRedaction {

    private static final Set<String> VALUES = new CopyOnWriteArraySet<>();
    private static volatile List<String> longestFirst = List.of();

    private LogRedaction() {
    }

    /** Hides {@code values} (those of at least {@value Secrets#MIN_SCRUBBED_LENGTH} characters) from now on. */
    public static synchronized void add(Collection<String> values) {
        boolean changed = false;
        for (String v : values) {
            if (v != null && v.length() >= Secrets.MIN_SCRUBBED_LENGTH) {
                changed |= VALUES.add(v);
            }
        }
        if (changed) {
            List<String> sorted = new java.util.ArrayList<>(VALUES);
            sorted.sort((a, b) -> Integer.compare(b.length(), a.length()));
            longestFirst = List.copyOf(sorted);
        }
    }

    /** {@code text} with every known credential value, and the user information of every URL, hidden. */
    public static String scrub(String text) {
        return Secrets.scrub(text, longestFirst);
    }
}
