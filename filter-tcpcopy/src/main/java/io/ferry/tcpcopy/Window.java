package io.ferry.tcpcopy;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One sampling window of one listener: a fresh unique id, the listener port written in every record, and the
 * per-window portrait tokens. Immutable but for {@link #open} and the tokens, which are safe to use from any thread.
 *
 * <p>Portrait tokens live in the window object, so an upload that races with the window's close can at most take a
 * token of the closing window, never one of the next (Layotto defect 13).
 */
public final class Window {

    private final String id;
    private final String port;
    private final long openedAtMillis;
    private final int durationSeconds;
    private final boolean manual;
    private final ConcurrentHashMap<String, Boolean> portraitTokens = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder[] refused =
            new java.util.concurrent.atomic.LongAdder[io.ferry.tcpcopy.dump.ShedReason.values().length];
    /** Refusals already written as REFUSED records; touched by the thread that reports them, one at a time. */
    private final long[] reported = new long[refused.length];
    private volatile boolean open = true;

    Window(String id, String port, long openedAtMillis, int durationSeconds, boolean manual) {
        this.id = id;
        this.port = port;
        this.openedAtMillis = openedAtMillis;
        this.durationSeconds = durationSeconds;
        this.manual = manual;
        for (int i = 0; i < refused.length; i++) {
            refused[i] = new java.util.concurrent.atomic.LongAdder();
        }
    }

    /** A connection was not admitted in this window (any thread). */
    void refused(io.ferry.tcpcopy.dump.ShedReason reason) {
        refused[reason.ordinal()].increment();
    }

    /**
     * Hands the refusals not reported yet to {@code report}, per reason, and marks them reported. Called by one
     * thread at a time (the factory's monitor).
     */
    void reportRefusals(java.util.function.ObjLongConsumer<io.ferry.tcpcopy.dump.ShedReason> report) {
        for (io.ferry.tcpcopy.dump.ShedReason r : io.ferry.tcpcopy.dump.ShedReason.values()) {
            long now = refused[r.ordinal()].sum();
            long delta = now - reported[r.ordinal()];
            if (delta > 0) {
                reported[r.ordinal()] = now;
                report.accept(r, delta);
            }
        }
    }

    /** The window id, a random UUID as Layotto's {@code DumpSampleUuid}. */
    public String id() {
        return id;
    }

    /** The port written in this window's records. */
    public String port() {
        return port;
    }

    public long openedAtMillis() {
        return openedAtMillis;
    }

    public int durationSeconds() {
        return durationSeconds;
    }

    /** True if opened through the admin API rather than by the schedule. */
    public boolean manual() {
        return manual;
    }

    public boolean isOpen() {
        return open;
    }

    void close() {
        open = false;
    }

    /** Takes the window's token for {@code businessType}; true for the first caller only. */
    boolean claimPortraitToken(String businessType) {
        return portraitTokens.putIfAbsent(businessType, Boolean.TRUE) == null;
    }
}
