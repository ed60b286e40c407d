package io.ferry.tcpcopy;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryRecord;
import io.ferry.filter.api.FactoryInitializer;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.config.Effective;
import io.ferry.tcpcopy.config.Sampling;
import io.ferry.tcpcopy.config.Strategy;
import io.ferry.tcpcopy.config.TcpCopyConfig;
import io.ferry.tcpcopy.dump.CaptureGate;
import io.ferry.tcpcopy.dump.CaptureStats;
import io.ferry.tcpcopy.dump.DumpWriter;
import io.ferry.tcpcopy.dump.ShedReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One tcpcopy instance: the factory of one {@code filters[]} entry, serving one listener. It holds the listener's app
 * strategy, its sampling windows and its counters; the global strategy, the fuse and the dump writers are shared
 * through {@link TcpCopy}.
 *
 * <h2>Life cycle</h2>
 * Created by {@link TcpCopyProvider#create} at startup; {@link #init} records the listener (its name identifies the
 * instance in the admin API and stats, its port is written in every record) and starts the window schedule;
 * {@link #createFilterChain} adds fresh filters for each connection; {@link #close} stops everything.
 *
 * <h2>Windows</h2>
 * While the effective switch is ON a window opens every {@code interval} seconds, measured start to start on the
 * runtime's {@link FilterScheduler} (Layotto's period drifts to interval + 1 s + duration, defect 12), each with a
 * fresh random id, only if the {@linkplain io.ferry.tcpcopy.fuse.Fuse fuse} allows, and stays open
 * {@code duration} seconds. The first window opens {@code interval} seconds after the switch turns on, as in
 * Layotto. A strategy change that alters the switch or the interval restarts the schedule at once; a window in
 * progress keeps its duration, unless the switch goes off, which closes it.
 *
 * <h2>Unix-socket listeners</h2>
 * Layotto drops the filter on a unix listener (it resolves the address as TCP). Ferry captures there too and writes
 * the listener's <b>name</b> in the port field (characters {@code [ ]} and white space replaced by {@code _}), so
 * that records of several unix listeners stay apart.
 *
 * <h2>Threading</h2>
 * {@link #createFilterChain} and the filters run on connection threads and read only volatile state. Strategy
 * changes and window transitions run on the timer or admin thread and are serialised by this object's monitor,
 * which the data path never takes.
 */
public final class TcpCopyFactory implements NetworkFilterChainFactory, FactoryInitializer, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpCopyFactory.class);

    private final TcpCopy hub;
    private final TcpCopyConfig config;
    private final Map<String, Object> rawConfig;
    private final String configPath;
    private final FilterScheduler scheduler;
    private final io.ferry.filter.api.spi.StatsRegistry statsRegistry;
    private final CaptureStats stats = new CaptureStats();
    private final boolean ferry;
    private final long clockBaseMicros;
    private final long clockBaseNanos;
    private volatile Sampling sampling;

    /** The open window, or null: the only field the data path reads. */
    volatile Window window;

    private volatile Strategy app;
    private volatile Effective effective;
    private volatile ListenerInfo listener;
    private volatile String name;
    private DumpWriter writer;
    private FilterScheduler.Cancellable schedule;
    private FilterScheduler.Cancellable refusals;
    /** How often the connections a window refused are written as REFUSED records while it is open. */
    static final int REFUSALS_PERIOD_SECONDS = 5;
    private volatile boolean closed;

    TcpCopyFactory(TcpCopy hub, TcpCopyConfig config, FilterConfig filterConfig) {
        this.hub = hub;
        this.config = config;
        this.rawConfig = filterConfig.asMap();
        this.configPath = filterConfig.path();
        this.scheduler = filterConfig.environment().scheduler();
        this.statsRegistry = filterConfig.environment().stats();
        this.app = config.strategy();
        this.effective = Effective.of(app, hub.globalStrategy());
        this.ferry = config.dump().format() != DumpConfig.Format.LAYOTTO   // ferry and pcapng need connection records
                || !config.dump().sinks().isEmpty();                       // and so do the sinks
        this.sampling = config.dump().sampling();
        this.clockBaseMicros = scheduler.currentTimeMillis() * 1000L;
        this.clockBaseNanos = scheduler.nanoTime();
    }

    /** The shared tcpcopy object: global strategy, all listeners, portrait uploads. */
    public TcpCopy tcpCopy() {
        return hub;
    }

    /** This instance's parsed config. */
    public TcpCopyConfig config() {
        return config;
    }

    @Override
    public synchronized void init(ListenerInfo listenerInfo) throws FilterConfigException {
        if (listener != null) {
            return;
        }
        String n = listenerInfo.name();
        hub.attach(n, this, configPath);
        try {
            writer = hub.acquireWriter(config.dump(), configPath);
        } catch (FilterConfigException e) {
            hub.detach(n, this);
            throw e;
        }
        refusals = scheduler.scheduleAtFixedRate(this::reportRefusals, REFUSALS_PERIOD_SECONDS,
                REFUSALS_PERIOD_SECONDS, TimeUnit.SECONDS);
        this.name = n;
        this.listener = listenerInfo;
        statsRegistry.register("tcpcopy." + n, stats::snapshot);
        if (writer.sinks().active()) {
            statsRegistry.register("tcpcopy." + n + ".sinks", writer.sinks()::snapshot);
        }
        reschedule(true);
        log.info("tcpcopy on listener {}: strategy {}, effective {}, dumps to {}", n, app.toMap(), effective.toMap(),
                config.dump().dir());
    }

    /**
     * Adds the capture filters for one connection. The factory must have been {@linkplain #init initialised} (the
     * runtime and the test kit do it at startup, before any connection): nothing is started here, on a connection's
     * thread. Before {@code init} it refuses with an {@link IllegalStateException}, which closes the connection with
     * one log line naming the filter.
     */
    @Override
    public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
        if (listener == null) {
            throw new IllegalStateException("tcpcopy at " + configPath + " was not initialised with its listener "
                    + "(FactoryInitializer.init) before its first connection");
        }
        ConnectionCapture state = new ConnectionCapture(this);
        callbacks.addReadFilter(new CaptureReadFilter(this, state));
        if (config.dump().bothDirections()) {
            callbacks.addWriteFilter(new CaptureWriteFilter(this, state));
        }
    }

    FilterScheduler schedulerForSampling() {
        return scheduler;
    }

    /** The listener's name, or {@code null} before {@link #init}. */
    public String listenerName() {
        return name;
    }

    /** The port label written in records: the TCP port, or the unix listener's name. */
    public String portLabel() {
        ListenerInfo l = listener;
        if (l == null) {
            return "0";
        }
        OptionalInt p = l.port();
        if (p.isPresent() && p.getAsInt() > 0) {
            return Integer.toString(p.getAsInt());
        }
        if ("unix".equals(l.network())) {
            return l.name().replaceAll("[\\[\\]\\s]", "_");
        }
        return "0";
    }

    public Strategy appStrategy() {
        return app;
    }

    public Effective effective() {
        return effective;
    }

    /** The open window, or {@code null}. */
    public Window currentWindow() {
        return window;
    }

    public CaptureStats stats() {
        return stats;
    }

    /** Replaces the app strategy (already validated) and applies the new effective values. */
    public void updateAppStrategy(Strategy strategy) {
        app = strategy;
        onStrategyChanged();
    }

    synchronized void onStrategyChanged() {
        reschedule(false);
    }

    private void reschedule(boolean first) {
        if (closed) {
            return;
        }
        Effective before = effective;
        Effective now = Effective.of(app, hub.globalStrategy());
        effective = now;
        if (listener == null) {
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
            schedule = scheduler.scheduleAtFixedRate(this::scheduledWindow, now.interval(), now.interval(), TimeUnit.SECONDS);
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

    /** Why {@link #open} did not open a window, or the window it opened. */
    public record OpenResult(Window window, int status, String refusal) {
    }

    /**
     * Opens a window now for {@code durationSeconds}, replacing any open one. Refused if the effective switch is
     * off or the fuse is blown. Called on the timer (schedule) or the admin thread ({@code POST .../window}).
     */
    public synchronized OpenResult open(int durationSeconds, boolean manual) {
        Effective e = effective;
        if (closed || listener == null) {
            return new OpenResult(null, 409, "tcpcopy on " + (name == null ? configPath : "listener " + name) + " is not running");
        }
        if (!e.on()) {
            return new OpenResult(null, 409, "tcpcopy switch is off for listener " + name + " (app " + app.switchValue()
                    + ", global " + hub.globalStrategy().switchValue() + "); turn it on with PUT /api/v1/tcpcopy/strategy?listener="
                    + name + " or PUT /api/v1/tcpcopy/strategy/global");
        }
        if (!hub.fuse().allows(e.cpuMaxRate(), e.memMaxRate())) {
            stats.windowsFused.increment();
            return new OpenResult(null, 503, "fuse blown for listener " + name + ": usage " + hub.fuseState()
                    + ", limits cpu < " + e.cpuMaxRate() + " and mem < " + e.memMaxRate());
        }
        Window w = new Window(UUID.randomUUID().toString(), portLabel(), scheduler.currentTimeMillis(), durationSeconds, manual);
        Window old = window;
        if (old != null) {
            old.close();
        }
        window = w;
        stats.windowsOpened.increment();
        scheduler.schedule(() -> closeWindow(w), durationSeconds, TimeUnit.SECONDS);
        return new OpenResult(w, 200, null);
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
        if (writer == null || !ferry) {
            return;
        }
        w.reportRefusals((reason, count) -> writer.submitControl(
                FerryRecord.refused(micros(), w.id(), name, reason.key(), count), w.port(), null, stats));
    }

    /** The connection sampling in force (from {@code dump}, replaceable through the admin API). */
    public Sampling sampling() {
        return sampling;
    }

    /** Replaces the connection sampling; applies to connections not yet decided and to budgets from now on. */
    public void updateSampling(Sampling s) {
        sampling = s;
    }

    /** Capture time in microseconds since the epoch, from the runtime's clock (millisecond base, µs steps). */
    long micros() {
        long nanos = scheduler.nanoTime() - clockBaseNanos;
        return clockBaseMicros + Math.floorDiv(nanos, 1000L);
    }

    /** The admission and budgets of this listener's dump writer. */
    CaptureGate gate() {
        return writer.gate();
    }

    /** True with {@code "directions": "both"}. */
    boolean bothDirections() {
        return config.dump().bothDirections();
    }

    /** True while the effective switch is on: captures go on; when it goes off they end ({@code switched_off}). */
    boolean capturingOn() {
        return effective.on() && !closed;
    }

    /** A connection was not admitted in window {@code w}. */
    void refused(Window w, ShedReason reason) {
        stats.refused(reason);
        w.refused(reason);
    }

    /** The OPEN record of a connection admitted in {@code w}. */
    FerryRecord openRecord(ConnectionCapture c, Window w, boolean midStream, long inbound, long outbound) {
        io.ferry.filter.api.Connection conn = c.connection();
        Endpoint remote = conn == null ? Endpoint.UNKNOWN_ENDPOINT : Endpoint.of(conn.remoteAddress());
        Endpoint local = conn == null ? Endpoint.UNKNOWN_ENDPOINT : Endpoint.of(conn.localAddress());
        return FerryRecord.open(micros(), c.connectionId(), w.id(), name, remote, local, midStream, inbound, outbound);
    }

    /** Queues a record that opens or ends {@code c}'s capture; false if it could not be queued (counted). */
    boolean submitControl(FerryRecord record, ConnectionCapture c) {
        return writer.submitControl(record, portLabel(), c, stats);
    }

    /**
     * Queues captured bytes {@code buffer[from, from + n)} of one direction at stream {@code offset}, whose room was
     * reserved from the gate: a Layotto line, and with the Ferry format a {@code DATA} record. Copied straight into
     * the writer's queue (without allocating for small reads); the buffer is not kept.
     */
    boolean submitData(ConnectionCapture c, Window w, int direction, long offset, IoBuffer buffer, int from, int n) {
        return writer.submitData(c, stats, micros(), w.id(), w.port(), name, c.connectionId(), direction, offset,
                buffer, from, n);
    }

    /**
     * Uploads portrait data for this listener's open window: accepted only while a window is open and only once per
     * business type per window (Layotto's rule). Race-free: the token is claimed atomically on the window object.
     *
     * @param businessType {@code RPC}, {@code CONFIGURATION}, {@code STATE} or a custom type; not empty
     * @param json         the data, already serialised
     * @return true if accepted and queued
     */
    boolean uploadPortrait(String businessType, String json) {
        Window w = window;
        if (w == null || !w.claimPortraitToken(businessType) || !w.isOpen()) {
            stats.portraitRejected.increment();
            return false;
        }
        String configJson = hub.gson().toJson(configDump());
        boolean queued = writer.submitPortrait(scheduler.currentTimeMillis(), w.id(), w.port(), businessType, json,
                configJson, stats);
        if (queued) {
            stats.portraitAccepted.increment();
        } else {
            stats.portraitRejected.increment();
        }
        return queued;
    }

    /**
     * What {@code dump_mem_dump.log} holds: this filter's own config (redacted) and strategies. The full proxy config
     * is not visible through filter-api; the runtime's {@code GET /api/v1/config_dump} serves it, redacted the same
     * way.
     */
    Map<String, Object> configDump() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("listener", name);
        m.put("port", portLabel());
        m.put("config", Redaction.redact(rawConfig, config.dump().sinks()));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("app", app.toMap());
        s.put("global", hub.globalStrategy().toMap());
        s.put("effective", effective.toMap());
        m.put("strategy", s);
        return m;
    }

    /** Stops the schedule, closes the window, unregisters the stats and releases the writer (flushing it). */
    @Override
    public void close() {
        String n;
        DumpWriter w;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (schedule != null) {
                schedule.cancel();
                schedule = null;
            }
            if (refusals != null) {
                refusals.cancel();
                refusals = null;
            }
            closeWindow(window);
            n = name;
            w = writer;
        }
        if (n != null) {
            statsRegistry.unregister("tcpcopy." + n);
            statsRegistry.unregister("tcpcopy." + n + ".sinks");
            hub.detach(n, this);
        }
        if (w != null) {
            hub.releaseWriter(w);
        }
    }
}
