package io.ferry.tcpcopy;

import io.ferry.filter.api.FactoryInitializer;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.spi.StatsRegistry;
import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.config.Effective;
import io.ferry.tcpcopy.config.Sampling;
import io.ferry.tcpcopy.config.Strategy;
import io.ferry.tcpcopy.config.TcpCopyConfig;
import io.ferry.tcpcopy.dump.CaptureGate;
import io.ferry.tcpcopy.dump.CaptureStats;
import io.ferry.tcpcopy.dump.DumpWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One tcpcopy instance: the factory of one {@code filters[]} entry, serving one listener. It builds each
 * connection's capture filters, and holds the listener's parts:
 * <ul>
 *   <li>its {@link WindowSchedule}: the app strategy, the windows it opens and those opened through the admin
 *       API;</li>
 *   <li>its {@link ListenerCapture}: the decision whether a connection is captured (sampling, switch, the dump
 *       writer's gate) and the way into the writer;</li>
 *   <li>its counters ({@link CaptureStats}, stats namespace {@code tcpcopy.<listener>}).</li>
 * </ul>
 * The global strategy, the fuse and the dump writers are shared through {@link TcpCopy}.
 *
 * <h2>Life cycle</h2>
 * Created by {@link TcpCopyProvider#create} at startup; {@link #init} records the listener (its name identifies the
 * instance in the admin API and stats, its port is written in every record), acquires the dump writer and starts the
 * window schedule; {@link #createFilterChain} adds fresh filters for each connection; {@link #close} stops
 * everything.
 *
 * <h2>Unix-socket listeners</h2>
 * Layotto drops the filter on a unix listener (it resolves the address as TCP). Ferry captures there too and writes
 * the listener's <b>name</b> in the port field (characters {@code [ ]} and white space replaced by {@code _}), so
 * that records of several unix listeners stay apart.
 *
 * <h2>Threading</h2>
 * {@link #createFilterChain} and the filters run on connection threads and read only final and volatile state.
 * {@link #init}, {@link #close} and {@link #updateSampling} are serialised by this object's monitor, which the data
 * path never takes; closing waits for the dump writer outside it.
 */
public final class TcpCopyFactory implements NetworkFilterChainFactory, FactoryInitializer, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpCopyFactory.class);

    private final TcpCopy hub;
    private final TcpCopyConfig config;
    private final Map<String, Object> rawConfig;
    private final String configPath;
    private final FilterScheduler scheduler;
    private final StatsRegistry statsRegistry;
    private final CaptureStats stats = new CaptureStats();
    private final WindowSchedule windows;
    private final long clockBaseMicros;
    private final long clockBaseNanos;
    private volatile Sampling sampling;
    /** Null until {@link #init}. */
    private volatile ListenerCapture capture;
    private volatile String name;
    private boolean closed;

    TcpCopyFactory(TcpCopy hub, TcpCopyConfig config, FilterConfig filterConfig) {
        this.hub = hub;
        this.config = config;
        this.rawConfig = filterConfig.asMap();
        this.configPath = filterConfig.path();
        this.scheduler = filterConfig.environment().scheduler();
        this.statsRegistry = filterConfig.environment().stats();
        this.windows = new WindowSchedule(hub, config.strategy(), scheduler, stats, configPath);
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
        if (capture != null || closed) {
            return;
        }
        String n = listenerInfo.name();
        hub.attach(n, this, configPath);
        DumpWriter writer;
        try {
            writer = hub.acquireWriter(config.dump(), configPath);
        } catch (FilterConfigException e) {
            hub.detach(n, this);
            throw e;
        }
        ListenerCapture c = new ListenerCapture(writer, stats, windows, listenerInfo, config.dump().bothDirections(),
                sampling, scheduler, clockBaseMicros, clockBaseNanos);
        this.name = n;
        this.capture = c;
        statsRegistry.register("tcpcopy." + n, stats::snapshot);
        if (writer.sinks().active()) {
            statsRegistry.register("tcpcopy." + n + ".sinks", writer.sinks()::snapshot);
        }
        boolean records = config.dump().format() != DumpConfig.Format.LAYOTTO   // ferry and pcapng need them
                || writer.sinks().active();                                      // and so do the sinks
        windows.start(n, c::port, records ? c : null);
        log.info("tcpcopy on listener {}: strategy {}, effective {}, dumps to {}", n, windows.app().toMap(),
                windows.effective().toMap(), config.dump().dir());
    }

    /**
     * Adds the capture filters for one connection. The factory must have been {@linkplain #init initialised} (the
     * runtime and the test kit do it at startup, before any connection): nothing is started here, on a connection's
     * thread. Before {@code init} it refuses with an {@link IllegalStateException}, which closes the connection with
     * one log line naming the filter.
     */
    @Override
    public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
        ListenerCapture c = capture;
        if (c == null) {
            throw new IllegalStateException("tcpcopy at " + configPath + " was not initialised with its listener "
                    + "(FactoryInitializer.init) before its first connection");
        }
        ConnectionCapture state = new ConnectionCapture(c);
        callbacks.addReadFilter(new CaptureReadFilter(windows, state));
        if (c.bothDirections()) {
            callbacks.addWriteFilter(new CaptureWriteFilter(state));
        }
    }

    FilterScheduler schedulerForSampling() {
        return scheduler;
    }

    /** The listener's name, or {@code null} before {@link #init}. */
    public String listenerName() {
        return name;
    }

    /** The port label written in records: the TCP port, or the unix listener's name; {@code 0} before init. */
    public String portLabel() {
        ListenerCapture c = capture;
        return c == null ? "0" : c.port();
    }

    public Strategy appStrategy() {
        return windows.app();
    }

    public Effective effective() {
        return windows.effective();
    }

    /** The open window, or {@code null}. */
    public Window currentWindow() {
        return windows.current();
    }

    public CaptureStats stats() {
        return stats;
    }

    /** Replaces the app strategy (already validated) and applies the new effective values. */
    public void updateAppStrategy(Strategy strategy) {
        windows.updateApp(strategy);
    }

    /** The global strategy changed. */
    void onStrategyChanged() {
        windows.strategyChanged();
    }

    /** Why {@link #open} did not open a window (status and refusal), or the window it opened (status 200). */
    public record OpenResult(Window window, int status, String refusal) {
    }

    /**
     * Opens a window now for {@code durationSeconds}, replacing any open one. Refused if the effective switch is
     * off or the fuse is blown. Called on the timer (schedule) or the admin thread ({@code POST .../window}).
     */
    public OpenResult open(int durationSeconds, boolean manual) {
        return windows.open(durationSeconds, manual);
    }

    /** The connection sampling in force (from {@code dump}, replaceable through the admin API). */
    public Sampling sampling() {
        return sampling;
    }

    /** Replaces the connection sampling; applies to connections not yet decided and to budgets from now on. */
    public synchronized void updateSampling(Sampling s) {
        sampling = s;
        ListenerCapture c = capture;
        if (c != null) {
            c.sampling(s);
        }
    }

    /** The admission and budgets of this listener's dump writer. */
    CaptureGate gate() {
        return capture.gate();
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
        Window w = windows.current();
        ListenerCapture c = capture;
        if (w == null || c == null || !w.claimPortraitToken(businessType) || !w.isOpen()) {
            stats.portraitRejected.increment();
            return false;
        }
        String configJson = hub.gson().toJson(configDump());
        boolean queued = c.writer().submitPortrait(scheduler.currentTimeMillis(), w.id(), w.port(), businessType,
                json, configJson, stats);
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
        s.put("app", windows.app().toMap());
        s.put("global", hub.globalStrategy().toMap());
        s.put("effective", windows.effective().toMap());
        m.put("strategy", s);
        return m;
    }

    /** Stops the schedule, closes the window, unregisters the stats and releases the writer (flushing it). */
    @Override
    public void close() {
        String n;
        ListenerCapture c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            n = name;
            c = capture;
        }
        windows.close();              // its last refusals are queued before the writer is released
        if (n != null) {
            statsRegistry.unregister("tcpcopy." + n);
            statsRegistry.unregister("tcpcopy." + n + ".sinks");
            hub.detach(n, this);
        }
        if (c != null) {
            hub.releaseWriter(c.writer());
        }
    }
}
