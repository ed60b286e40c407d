package io.ferry.filter.api.spi;

import io.ferry.filter.api.Stable;

import java.util.concurrent.TimeUnit;

/**
 * Time and timers for filters, injectable so that tests never sleep. In the runtime, tasks run on one shared timer
 * thread, <b>never on a connection's event loop</b>: they may do short blocking work (sampling CPU, say) but should
 * hand long work to their own threads. A task that touches a connection hops to its thread first
 * ({@link io.ferry.filter.api.Connection#execute}) or uses the methods that may be called from any thread (rule R4.3).
 * In the test kit, time stands still until the test advances it, and tasks run on a timer thread too.
 */
@Stable
public interface FilterScheduler {

    /** Wall-clock time in milliseconds since the epoch. */
    long currentTimeMillis();

    /** A monotonic time in nanoseconds, for measuring intervals. */
    long nanoTime();

    /** Runs {@code task} once after {@code delay}. */
    Cancellable schedule(Runnable task, long delay, TimeUnit unit);

    /**
     * Runs {@code task} every {@code period}, the first time after {@code initialDelay}. The period is measured from
     * start to start and does not drift with the task's own duration.
     */
    Cancellable scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit);

    /** A scheduled task that can be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels the task; a run already started completes. */
        void cancel();
    }
}
