package io.ferry.tcpcopy;

import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.tcpcopy.config.Effective;
import io.ferry.tcpcopy.config.Strategy;
import io.ferry.tcpcopy.dump.CaptureStats;
import io.ferry.tcpcopy.dump.ShedReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * When one listener's sampling windows are open: its strategies (the app strategy, combined with the global one into
 * the {@link Effective} values), the windows they open, the windows opened through the admin API, and the timer that
 * writes the connections a window refused.
 *
 * <h2>Windows</h2>
 * While the effective switch is ON a window opens every {@code interval} seconds, measured start to start on the
 * runtime's {@link FilterScheduler} (Layotto's period drifts to interval + 1 s + duration, defect 12), each with a
 * fresh random id, only if the {@linkplain io.ferry.tcpcopy.fuse.Fuse fuse} allows, and stays open
 * {@code duration} seconds. The first window opens {@code interval} seconds after the switch turns on, as in
 * Layotto. A strategy change that alters the switch or the interval restarts the schedule at once; a window in
 * progress keeps its duration, unless the switch goes off, which closes it. {@link #open} opens one now (the admin
 * API's {@code POST .../window}), replacing the open one.
 *
 * <h2>Refused connections</h2>
 * The connections a window did not admit are counted on the window; the counts not written yet are handed to the
 * {@link Refusals} every {@link #REFUSALS_PERIOD_SECONDS} while the window is open, and when it closes.
 *
 * <h2>Threading</h2>
 * The data path reads {@link #window} (one volatile field) and {@link #capturingOn} (two), nothing else. Strategy
 * changes and window transitions run on the scheduler's timer or the admin thread and are serialised by this object's
 * monitor, which the data path never takes. The {@link Refusals} are called under it, on those threads.
 */
final class WindowSchedule {

    private static final Logger log = LoggerFactory.getLogger(WindowSchedule.class);

    /** How often the connections a window refused are written as REFUSED records while it is open. */
    static final int REFUSALS_PERIOD_SECONDS = 5;

    /** Where the connections a window refused go: {@code REFUSED} records. */
    @FunctionalInterface
    interface Refusals {
        /** {@code count} connections of window {@code w} were not admitted for {@code reason} since the last call. */
        void report(Window w, ShedReason reason, long count);
    }

    private final TcpCopy hub;
    private final FilterScheduler scheduler;
    private final CaptureStats stats;
    private final String configPath;

    /** The open window, or null: the field the data path reads. */
    volatile Window window;

    private volatile Strategy app;
    private volatile Effective effective;
    private volatile boolean closed;
    /** Set by {@link #start}. */
    private String name;
    private Supplier<String> port;
    private Refusals refusals;
    private FilterScheduler.Cancellable schedule;
    private FilterScheduler.Cancellable refusalTimer;

    /**
     * @param hub        the global strategy and the fuse
     * @param app        the listener's app strategy from its config
     * @param stats      counts the windows opened and those the fuse refused
     * @param configPath the filter's place in the config, for messages before {@link #start}
     */
    WindowSchedule(TcpCopy hub, Strategy app, FilterScheduler scheduler, CaptureStats stats, String configPath) {
        this.hub = hub;
        this.scheduler = scheduler;
        this.stats = stats;
        this.configPath = configPath;
        this.app = app;
        this.effective = Effective.of(app, hub.globalStrategy());
    }

    /**
     * Starts the schedule of listener {@code name}, whose records carry the port label {@code port} gives (read when
     * a window opens: a listener configured with port 0 has its port once it is bound).
     *
     * @param refusals where the refused connections go; null if the dump has no place for them (Layotto's files)
     */
    synchronized void start(String name, Supplier<String> port, Refusals refusals) {
        this.name = name;
        this.port = port;
        this.refusals = refusals;
        refusalTimer = scheduler.scheduleAtFixedRate(this::reportRefusals, REFUSALS_PERIOD_SECONDS,
                REFUSALS_PERIOD_SECONDS, TimeUnit.SECONDS);
        reschedule(true);
    }

    /** The open window, or {@code null}. */
    Window current() {
        return window;
    }

    Strategy app() {
        return app;
    }

    Effective effective() {
        return effective;
    }

    /** True while the effective switch is on: captures go on; when it goes off they end ({@code switched_off}). */
    boolean capturingOn() {
        return effective.on() && !closed;
    }

    /** Replaces the app strategy (already validated) and applies the new effective values. */
    void updateApp(Strategy strategy) {
        app = strategy;
        strategyChanged();
    }

    /** The app or the global strategy changed: applies the new effective values. */
    synchronized void strategyChanged() {
        reschedule(false);
    }

    private void reschedule(boolean first) {
        if (closed) {
            return;
        }
        Effective before = effective;
        Effective now = Effective.of(app, hub.globalStrategy());
        effective = now;
        if (name == null) {
            return;
        }
        boolean restart = first || before.on() != now.on() || before.interval() != now.interval();
        if (!restart) {
            return;
        }
        if (schedule != null) {
            schedule.cancel();
            schedule = null;
        }
        if (now.on()) {
            schedule = scheduler.scheduleAtFixedRate(this::scheduledWindow, now.interval(), now.interval(),
                    TimeUnit.SECONDS);
        } else {
            closeWindow(window);
        }
    }

    private void scheduledWindow() {
        try {
            open(effective.duration(), false);
        } catch (Throwable t) {
            log.error("tcpcopy on listener {}: opening a window failed", name, t);
        }
    }

    /**
     * Opens a window now for {@code durationSeconds}, replacing any open one. Refused if the effective switch is
     * off or the fuse is blown. Called on the timer (schedule) or the admin thread ({@code POST .../window}).
     */
    synchronized TcpCopyFactory.OpenResult open(int durationSeconds, boolean manual) {
        Effective e = effective;
        if (closed || name == null) {
            return new TcpCopyFactory.OpenResult(null, 409, "tcpcopy on " + (name == null ? configPath : "listener " + name)
                    + " is not running");
        }
        if (!e.on()) {
            return new TcpCopyFactory.OpenResult(null, 409, "tcpcopy switch is off for listener " + name + " (app "
                    + app.switchValue() + ", global " + hub.globalStrategy().switchValue()
                    + "); turn it on with PUT /api/v1/tcpcopy/strategy?listener=" + name
                    + " or PUT /api/v1/tcpcopy/strategy/global");
        }
        if (!hub.fuse().allows(e.cpuMaxRate(), e.memMaxRate())) {
            stats.windowsFused.increment();
            return new TcpCopyFactory.OpenResult(null, 503, "fuse blown for listener " + name + ": usage " + hub.fuseState()
                    + ", limits cpu < " + e.cpuMaxRate() + " and mem < " + e.memMaxRate());
        }
        Window w = new Window(UUID.randomUUID().toString(), port.get(), scheduler.currentTimeMillis(), durationSeconds,
                manual);
        Window old = window;
        if (old != null) {
            old.close();
        }
        window = w;
        stats.windowsOpened.increment();
        scheduler.schedule(() -> closeWindow(w), durationSeconds, TimeUnit.SECONDS);
        return new TcpCopyFactory.OpenResult(w, 200, null);
    }

    synchronized void closeWindow(Window w) {
        if (w != null) {
            w.close();
            if (window == w) {
                window = null;
            }
            reportRefusals(w);
        }
    }

    /** Writes the refusals of the open window not written yet (timer thread). */
    private synchronized void reportRefusals() {
        Window w = window;
        if (w != null) {
            reportRefusals(w);
        }
    }

    private void reportRefusals(Window w) {
        Refusals r = refusals;
        if (r != null) {
            w.reportRefusals((reason, count) -> r.report(w, reason, count));
        }
    }

    /** Stops the schedule and the refusals' timer and closes the open window (its refusals are written). */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (schedule != null) {
            schedule.cancel();
            schedule = null;
        }
        if (refusalTimer != null) {
            refusalTimer.cancel();
            refusalTimer = null;
        }
        closeWindow(window);
    }
}
