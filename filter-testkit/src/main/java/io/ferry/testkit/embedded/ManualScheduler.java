package io.ferry.testkit.embedded;

import io.ferry.filter.api.spi.FilterScheduler;

import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FilterScheduler} whose time stands still until a test advances it. {@link #advanceTimeBy} moves the clock
 * forward task by task, running every task that falls due, in due order (ties in scheduling order); nothing ever
 * sleeps. Periodic tasks are rescheduled at {@code due + period}, so advancing by ten periods runs a fixed-rate task
 * ten times.
 *
 * <h2>The timer thread</h2>
 * As in the runtime, where filter timers run on one shared timer thread and <b>never on a connection's thread</b>,
 * tasks run on this scheduler's own timer thread ({@code ferry-testkit-timer-N}), one at a time, while
 * {@code advanceTimeBy} waits for each to finish: the order stays deterministic, and a task sees
 * {@code connection.inEventLoop()} false, as in production. What a task asks of a connection through the methods that
 * may be called from any thread ({@code write}, {@code close}, {@code setReadDisable}, {@code continueReading},
 * {@code execute}) is queued for the connection's thread and runs when the harness next runs its tasks (every harness
 * call does, {@link EmbeddedFilterChain#advanceTimeBy} right after the timers); a task that touches the connection's
 * state directly fails rule R4.3 in an {@link EmbeddedFilterChain}. A task must not wait for the connection's thread
 * (that thread is waiting for the task): a task still running after {@value #TASK_TIMEOUT_SECONDS} s fails
 * {@code advanceTimeBy}.
 *
 * <p>The clock starts at {@link #DEFAULT_START_MILLIS} (or the given instant) and {@link #nanoTime()} at one hour,
 * so code that treats zero as "unset" is not fooled.
 *
 * <p>Thread-safe: filters may schedule from any thread, and any thread may advance time. An exception thrown by a
 * task propagates out of {@code advanceTimeBy} (a periodic task is then not rescheduled). The timer thread is a
 * daemon and ends after a second without work.
 */
public final class ManualScheduler implements FilterScheduler {

    /** How long {@link #advanceTimeBy} waits for one task before it fails. */
    public static final long TASK_TIMEOUT_SECONDS = 30;

    private static final AtomicInteger THREADS = new AtomicInteger();
    /** The scheduler whose task the current thread is running, if any. */
    private static final ThreadLocal<ManualScheduler> RUNNING = new ThreadLocal<>();

    /** 2023-11-14T22:13:20Z, the default wall-clock start. */
    public static final long DEFAULT_START_MILLIS = 1_700_000_000_000L;

    private static final long NANO_ORIGIN = TimeUnit.HOURS.toNanos(1);

    private final long startMillis;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private final ThreadPoolExecutor timer;
    private long elapsedNanos;
    private long sequence;

    public ManualScheduler() {
        this(DEFAULT_START_MILLIS);
    }

    /** A scheduler whose wall clock starts at {@code startMillis} since the epoch. */
    public ManualScheduler(long startMillis) {
        this.startMillis = startMillis;
        this.timer = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "ferry-testkit-timer-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        timer.allowCoreThreadTimeOut(true);
    }

    /** True if the calling thread is running a task of a {@code ManualScheduler} (it is a timer thread). */
    public static boolean onTimerThread() {
        return RUNNING.get() != null;
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
            runOnTimerThread(t.task);
            synchronized (this) {
                if (t.period > 0 && !t.cancelled) {
                    t.due += t.period;
                    t.seq = sequence++;
                    tasks.add(t);
                }
            }
        }
    }

    /** Runs {@code task} on the timer thread and waits for it; inline if already there (a task advancing time). */
    private void runOnTimerThread(Runnable task) {
        if (RUNNING.get() == this) {
            task.run();
            return;
        }
        Future<?> f = timer.submit(() -> {
            RUNNING.set(this);
            try {
                task.run();
            } finally {
                RUNNING.remove();
            }
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get(TASK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    throw new IllegalStateException("ManualScheduler: timer task " + task + " still runs after "
                            + TASK_TIMEOUT_SECONDS + " s; a timer task must not wait for the connection's thread, which"
                            + " waits for it (R4.4: hand long work to threads of your own)");
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
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
