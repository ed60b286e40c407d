package io.ferry.tcpcopy.fuse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a sampling window may open: only if {@code cpu < cpu_max_rate && mem < mem_max_rate} (strict, as
 * Layotto's {@code IsAvaliable}).
 *
 * <h2>Threading</h2>
 * {@link #sample()} runs on the scheduler's timer every second; {@link #allows} runs on the timer or the admin
 * thread when a window is about to open. Neither ever runs on a connection's thread: unlike Layotto (defect 1),
 * {@code onData} never measures anything. The latest reading is published through a volatile field.
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li>The fuse is checked once, when a window opens. A window in progress is not cut short by a later reading:
 *       Layotto re-checks on every read, which makes dumps partial whenever load crosses the threshold (defect 14).
 *       A capture that starts is therefore complete for its duration, and load above the threshold prevents the
 *       next window.</li>
 *   <li>A failed measurement blows the fuse, as in Layotto.</li>
 *   <li>CPU is a difference between two samples. Until the second sample (about one second after start), CPU is
 *       unknown and the fuse decides on memory alone; if nothing was sampled yet, {@link #allows} samples once.
 *       Host values also stay unknown while OSHI initialises on its own thread (seconds on a busy machine); an
 *       unknown value never blocks a window, a failed measurement always does.</li>
 * </ul>
 */
public final class Fuse {

    private static final Logger log = LoggerFactory.getLogger(Fuse.class);

    private final UsageSampler sampler;
    private volatile Usage latest;
    private volatile String error;
    private boolean errorLogged;

    public Fuse(UsageSampler sampler) {
        this.sampler = sampler;
    }

    /** Takes a reading. Thread-safe against {@link #allows}; called by the timer. */
    public synchronized void sample() {
        try {
            latest = sampler.sample();
            error = null;
            errorLogged = false;
        } catch (Throwable t) {
            latest = null;
            error = t.toString();
            if (!errorLogged) {
                errorLogged = true;
                log.warn("tcpcopy: cannot measure CPU and memory usage ({}); no sampling window opens until it can", t.toString());
            }
        }
    }

    /** The latest reading, or {@code null} if none succeeded. */
    public Usage latest() {
        return latest;
    }

    /** The latest measurement error, or {@code null}. */
    public String error() {
        return error;
    }

    /** True if a window may open under these limits (percent). */
    public boolean allows(double cpuMaxRate, double memMaxRate) {
        Usage u = latest;
        if (u == null && error == null) {
            sample();
            u = latest;
        }
        if (u == null) {
            return false;
        }
        boolean cpuOk = Double.isNaN(u.cpuPercent()) || u.cpuPercent() < cpuMaxRate;
        boolean memOk = Double.isNaN(u.memPercent()) || u.memPercent() < memMaxRate;
        return cpuOk && memOk;
    }
}
