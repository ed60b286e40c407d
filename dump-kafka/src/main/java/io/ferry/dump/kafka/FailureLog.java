package io.ferry.dump.kafka;

import org.slf4j.Logger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How the Kafka sink reports a broker that fails: as state changes, not as a line per failure. The first failure
 * after a healthy spell logs one WARN line ({@code ... failing: <what> (<detail>); records are dropped and counted
 * until it recovers}); while it keeps failing, at most one WARN line per period (a minute) summarises what happened
 * since the previous line, with counts; the first success after failures logs one INFO line with the totals of the
 * outage. A sink that never fails logs nothing.
 *
 * <p>Thread-safe: failures come from the sink thread, successes from kafka-clients' I/O thread.
 * {@link #success()} reads one volatile field while healthy. The clock is injectable so tests need not wait minutes.
 */
final class FailureLog {

    static final long PERIOD_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Logger log;
    private final String subject;
    private final LongSupplier nanoClock;
    private final long periodNanos;
    private volatile boolean failing;
    private long failingSince;
    private long lastLine;
    private long total;
    private final Map<String, Long> sinceLastLine = new LinkedHashMap<>();
    private String lastDetail = "";

    /**
     * @param log       where to log
     * @param subject   what fails, e.g. {@code tcpcopy kafka sink (broker:9092 topic t)}
     * @param nanoClock a monotonic clock in nanoseconds ({@link System#nanoTime} in production)
     * @param period    the least time between two summaries
     */
    FailureLog(Logger log, String subject, LongSupplier nanoClock, long period, TimeUnit unit) {
        this.log = log;
        this.subject = subject;
        this.nanoClock = nanoClock;
        this.periodNanos = unit.toNanos(period);
    }

    /** One failure: {@code what} is its kind (counted), {@code detail} the exception as seen this time. */
    synchronized void failure(String what, String detail) {
        long now = nanoClock.getAsLong();
        total++;
        sinceLastLine.merge(what, 1L, Long::sum);
        lastDetail = detail;
        if (!failing) {
            failing = true;
            failingSince = now;
            lastLine = now;
            sinceLastLine.clear();
            log.warn("{} failing: {} ({}); records are dropped and counted until it recovers; a summary follows at most"
                    + " once a minute", subject, what, detail);
            return;
        }
        if (now - lastLine >= periodNanos) {
            log.warn("{} still failing after {} s: {} in the last {} s (last: {})", subject,
                    TimeUnit.NANOSECONDS.toSeconds(now - failingSince), counts(),
                    TimeUnit.NANOSECONDS.toSeconds(now - lastLine), lastDetail);
            lastLine = now;
            sinceLastLine.clear();
        }
    }

    /** One success: ends an outage, if there was one. */
    void success() {
        if (!failing) {
            return;
        }
        synchronized (this) {
            if (!failing) {
                return;
            }
            failing = false;
            long now = nanoClock.getAsLong();
            log.info("{} recovered after {} s; {} records were dropped while it failed", subject,
                    TimeUnit.NANOSECONDS.toSeconds(now - failingSince), total);
            total = 0;
            sinceLastLine.clear();
        }
    }

    /** True while failing (for tests). */
    boolean failing() {
        return failing;
    }

    private String counts() {
        StringBuilder sb = new StringBuilder();
        sinceLastLine.forEach((what, n) -> {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(n).append(" x ").append(what);
        });
        return sb.length() == 0 ? "no new failures" : sb.toString();
    }
}
