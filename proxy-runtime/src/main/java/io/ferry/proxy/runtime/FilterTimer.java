package io.ferry.proxy.runtime;

import io.ferry.filter.api.spi.FilterScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The runtime's {@link FilterScheduler}: one daemon thread, {@code ferry-filter-timer}, shared by all filters and
 * never an event loop. A task that throws is logged and, if periodic, keeps its schedule.
 */
final class FilterTimer implements FilterScheduler, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FilterTimer.class);

    private final ScheduledThreadPoolExecutor executor;

    FilterTimer() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ferry-filter-timer");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
        ScheduledFuture<?> f = executor.schedule(guarded(task), delay, unit);
        return () -> f.cancel(false);
    }

    @Override
    public Cancellable scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
        ScheduledFuture<?> f = executor.scheduleAtFixedRate(guarded(task), initialDelay, period, unit);
        return () -> f.cancel(false);
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.error("filter timer task {} failed", task, e);
            }
        };
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
