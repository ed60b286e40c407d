package io.ferry.tcpcopy;

import io.ferry.filter.api.FactoryInitializer;
import io.ferry.filter.api.FilterChainContext;
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
import io.ferry.tcpcopy.dump.CaptureStats;
import io.ferry.filter.api.IoBuffer;
import io.ferry.tcpcopy.dump.DumpRecord;
import io.ferry.tcpcopy.dump.DumpWriter;
import io.ferry.tcpcopy.record.Endpoint;
import io.ferry.tcpcopy.record.FerryRecord;
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
    private boolean closed;

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

    @Override
    public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
        if (listener == null) {
            try {
                init(context.listener());
            } catch (FilterConfigException e) {
                log.error("tcpcopy: {}", e.getMessage());
                return;
            }
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
        }
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

    /**
     * Captured bytes {@code buffer[from, from + n)} of one direction, copied (the buffer is not kept): a Layotto
     * line, and with the Ferry format a {@code DATA} record. The Layotto format copies straight into the writer's
     * queue, without allocating for small reads.
     */
    void submitData(ConnectionCapture c, Window w, int direction, IoBuffer buffer, int from, int n) {
        if (!ferry) {
            writer.submitPayload(scheduler.currentTimeMillis(), w.id(), w.port(), stats, buffer, from, n);
            return;
        }
        byte[] copy = new byte[n];
        buffer.getBytes(from, copy, 0, n);
        long us = micros();
        writer.submitCharged(DumpRecord.ferry(us / 1000, w.id(), w.port(),
                FerryRecord.data(us, c.connectionId(), direction, w.id(), name, copy), stats));
    }

    /**
     * Charges {@code bytes} to the dump writer's capture budget before they are copied; false (counted as
     * {@code rate_limit}) when the budget is spent. Follow a true answer with {@link #submitData}.
     */
    boolean charge(int bytes) {
        return writer.tryCharge(bytes, stats);
    }

    /** Ferry format: the connection's {@code OPEN} record, at its first record in a window. */
    void submitOpen(ConnectionCapture c, Window w) {
        if (ferry) {
            long us = micros();
            io.ferry.filter.api.Connection conn = c.connection();
            Endpoint remote = conn == null ? Endpoint.UNKNOWN_ENDPOINT : Endpoint.of(conn.remoteAddress());
            Endpoint local = conn == null ? Endpoint.UNKNOWN_ENDPOINT : Endpoint.of(conn.localAddress());
            writer.submit(DumpRecord.ferry(us / 1000, w.id(), w.port(),
                    FerryRecord.open(us, c.connectionId(), w.id(), name, remote, local), stats));
        }
    }

    /** Ferry format: the connection closed after it had records. */
    void submitClose(ConnectionCapture c, Window w) {
        if (ferry && w != null) {
            long us = micros();
            writer.submit(DumpRecord.ferry(us / 1000, w.id(), w.port(),
                    FerryRecord.close(us, c.connectionId(), w.id(), name), stats));
        }
    }

    /** Ferry format: the connection reached {@code max_bytes_per_connection}; nothing more of it is captured. */
    void submitTruncated(ConnectionCapture c, Window w, int direction, long budget) {
        if (ferry) {
            long us = micros();
            writer.submit(DumpRecord.ferry(us / 1000, w.id(), w.port(),
                    FerryRecord.truncated(us, c.connectionId(), direction, w.id(), name, budget), stats));
        }
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
        boolean queued = writer.submit(DumpRecord.portrait(scheduler.currentTimeMillis(), w.id(), w.port(), businessType,
                json, configJson, stats));
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
        m.put("config", Redaction.redact(rawConfig));
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
