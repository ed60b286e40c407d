package io.ferry.testkit.embedded;

import io.ferry.filter.api.spi.FilterScheduler;

import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link FilterScheduler} whose time stands still until a test advances it. {@link #advanceTimeBy} moves the clock
 * forward task by task, running every task that falls due, in due order (ties in scheduling order), on the calling
 * thread; nothing ever sleeps. Periodic tasks are rescheduled at {@code due + period}, so advancing by ten periods runs a
 * fixed-rate task ten times.
 *
 * <p>The clock starts at {@link #DEFAULT_START_MILLIS} (or the given instant) and {@link #nanoTime()} at one hour,
 * so code that treats zero as "unset" is not fooled.
 *
 * <p>Thread-safe: filters may schedule from any thread. Tasks run outside the scheduler's lock; an exception thrown by
 * a task propagates out of {@code advanceTimeBy} (a periodic task is then not rescheduled).
 */
public final class ManualScheduler implements FilterScheduler {

    /** 2023-11-14T22:13:20Z, the default wall-clock start. */
    public static final long DEFAULT_START_MILLIS = 1_700_000_000_000L;

    private static final long NANO_ORIGIN = TimeUnit.HOURS.toNanos(1);

    private final long startMillis;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long elapsedNanos;
    private long sequence;

    public ManualScheduler() {
        this(DEFAULT_START_MILLIS);
    }

    /** A scheduler whose wall clock starts at {@code startMillis} since the epoch. */
    public ManualScheduler(long startMillis) {
        this.startMillis = startMillis;
    }

    @Override
    public synchronized long currentTimeMillis() {
        return startMillis + TimeUnit.NANOSECONDS.toMillis(elapsedNanos);
    }

    @Override
    public synchronized long nanoTime() {
        return NANO_ORIGIN + elapsedNanos;
    }

    @Override
    public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
        return add(task, unit.toNanos(Math.max(0, delay)), 0);
    }

    @Override
    public Cancellable scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
        if (period <= 0) {
            throw new IllegalArgumentException("period: " + period + " (expected: > 0)");
        }
        return add(task, unit.toNanos(Math.max(0, initialDelay)), unit.toNanos(period));
    }

    /** Moves time forward by {@code amount}, running the tasks that fall due on the way. */
    public void advanceTimeBy(long amount, TimeUnit unit) {
        if (amount < 0) {
            throw new IllegalArgumentException("amount: " + amount + " (expected: >= 0)");
        }
        long target;
        synchronized (this) {
            target = elapsedNanos + unit.toNanos(amount);
        }
        for (;;) {
            Task t;
            synchronized (this) {
                t = tasks.peek();
                if (t == null || t.due > target) {
                    elapsedNanos = target;
                    return;
                }
                tasks.poll();
                if (t.cancelled) {
                    continue;
                }
                elapsedNanos = Math.max(elapsedNanos, t.due);
            }
            t.task.run();
            synchronized (this) {
                if (t.period > 0 && !t.cancelled) {
                    t.due += t.period;
                    t.seq = sequence++;
                    tasks.add(t);
                }
            }
        }
    }

    /** Runs the tasks due now without moving time. */
    public void runDueTasks() {
        advanceTimeBy(0, TimeUnit.NANOSECONDS);
    }

    /** The number of scheduled, not cancelled tasks. */
    public synchronized int pendingTasks() {
        int n = 0;
        for (Task t : tasks) {
            if (!t.cancelled) {
                n++;
            }
        }
        return n;
    }

    private synchronized Cancellable add(Runnable task, long delayNanos, long periodNanos) {
        Task t = new Task(Objects.requireNonNull(task, "task"), elapsedNanos + delayNanos, periodNanos, sequence++);
        tasks.add(t);
        return t;
    }

    private final class Task implements Comparable<Task>, Cancellable {
        final Runnable task;
        final long period;
        long due;
        long seq;
        volatile boolean cancelled;

        Task(Runnable task, long due, long period, long seq) {
            this.task = task;
            this.due = due;
            this.period = period;
            this.seq = seq;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }

        @Override
        public void cancel() {
            cancelled = true;
            synchronized (ManualScheduler.this) {
                tasks.remove(this);
            }
        }
    }
}
