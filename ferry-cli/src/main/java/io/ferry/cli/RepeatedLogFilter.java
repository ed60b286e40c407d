package io.ferry.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Quiets a third-party client that logs the same complaint over and over (kafka-clients warns at every reconnect
 * attempt, about once a second, while a broker is down): under {@link #setLoggerPrefix a logger prefix}, the first
 * occurrence of a message is logged, repeats within the next minute are counted and dropped, and the first repeat
 * after it is logged with the count in front ({@code [58 more like this in the last 61 s] Connection to node -1 ...}),
 * so a message that never stops takes one line a minute. Messages are compared by logger, level and text, with
 * digits ignored (node ids, durations). Ferry's own
 * code reports failing dependencies as state changes itself and is not filtered.
 *
 * <p>Installed by {@link Logging} and the bundled {@code logback.xml} for {@code org.apache.kafka}. Thread-safe; the
 * clock is injectable so tests need not wait minutes. At most 1024 distinct messages are tracked; beyond, messages
 * pass unfiltered.
 */
public final class RepeatedLogFilter extends TurboFilter {

    private static final int MAX_TRACKED = 1024;
    private static final ThreadLocal<Boolean> SUMMARISING = new ThreadLocal<>();

    private final Map<String, Repeats> seen = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder droppedTotal = new java.util.concurrent.atomic.LongAdder();
    private volatile String loggerPrefix = "org.apache.kafka";
    private volatile LongSupplier nanoClock = System::nanoTime;
    private volatile long periodNanos = TimeUnit.MINUTES.toNanos(1);

    private static final class Repeats {
        long lastLogged;
        long dropped;
    }

    /** The loggers filtered: those whose name starts with {@code prefix} ({@code org.apache.kafka} by default). */
    public void setLoggerPrefix(String prefix) {
        this.loggerPrefix = prefix;
    }

    /** The clock, in nanoseconds ({@link System#nanoTime} by default; tests move their own). */
    public void setNanoClock(LongSupplier clock) {
        this.nanoClock = clock;
    }

    /** The least time between two lines of one repeated message (a minute by default). */
    public void setPeriodMillis(long millis) {
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** How many lines this filter has kept out of the log. */
    public long droppedTotal() {
        return droppedTotal.sum();
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (format == null || SUMMARISING.get() != null || !logger.getName().startsWith(loggerPrefix)
                || !logger.isEnabledFor(level)) {
            return FilterReply.NEUTRAL;
        }
        String key = logger.getName() + '\u0000' + level + '\u0000' + format.replaceAll("[0-9]+", "#");
        Repeats r = seen.get(key);
        if (r == null) {
            if (seen.size() >= MAX_TRACKED) {
                return FilterReply.NEUTRAL;
            }
            r = seen.computeIfAbsent(key, k -> new Repeats());
        }
        long dropped;
        long since;
        synchronized (r) {
            long now = nanoClock.getAsLong();
            if (r.lastLogged == 0 && r.dropped == 0) {
                r.lastLogged = now == 0 ? 1 : now;
                return FilterReply.NEUTRAL;
            }
            if (now - r.lastLogged < periodNanos) {
                r.dropped++;
                droppedTotal.increment();
                return FilterReply.DENY;
            }
            dropped = r.dropped;
            since = now - r.lastLogged;
            r.dropped = 0;
            r.lastLogged = now;
        }
        if (dropped == 0) {
            return FilterReply.NEUTRAL;
        }
        String line = "[" + dropped + " more like this in the last " + TimeUnit.NANOSECONDS.toSeconds(since) + " s] "
                + org.slf4j.helpers.MessageFormatter.arrayFormat(format, params).getMessage();
        SUMMARISING.set(Boolean.TRUE);
        try {
            switch (level.toInt()) {
                case Level.ERROR_INT -> logger.error(line, t);
                case Level.WARN_INT -> logger.warn(line, t);
                case Level.INFO_INT -> logger.info(line, t);
                case Level.DEBUG_INT -> logger.debug(line, t);
                default -> logger.trace(line, t);
            }
        } finally {
            SUMMARISING.remove();
        }
        return FilterReply.DENY;   // logged above, with its count
    }
}
