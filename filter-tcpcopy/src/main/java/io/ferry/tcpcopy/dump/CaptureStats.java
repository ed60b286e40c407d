package io.ferry.tcpcopy.dump;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one tcpcopy instance (one listener), published as stats namespace {@code tcpcopy.<listener>}.
 * Updated from connection threads, the writer and the timer without locks ({@link LongAdder}).
 */
public final class CaptureStats {

    final LongAdder capturedRecords = new LongAdder();
    final LongAdder capturedBytes = new LongAdder();
    final LongAdder writtenRecords = new LongAdder();
    final LongAdder writtenBytes = new LongAdder();
    public final LongAdder windowsOpened = new LongAdder();
    public final LongAdder windowsFused = new LongAdder();
    public final LongAdder portraitAccepted = new LongAdder();
    public final LongAdder portraitRejected = new LongAdder();
    private final LongAdder[] dropped = new LongAdder[DropReason.values().length];

    public CaptureStats() {
        for (int i = 0; i < dropped.length; i++) {
            dropped[i] = new LongAdder();
        }
    }

    public void drop(DropReason reason) {
        dropped[reason.ordinal()].increment();
    }

    public long dropped(DropReason reason) {
        return dropped[reason.ordinal()].sum();
    }

    /** Records handed to the writer's queue (payload records and portrait records). */
    public long capturedRecords() {
        return capturedRecords.sum();
    }

    /** Records persisted. */
    public long writtenRecords() {
        return writtenRecords.sum();
    }

    /** A snapshot for {@code GET /api/v1/stats}. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("windows_opened", windowsOpened.sum());
        m.put("windows_fused", windowsFused.sum());
        m.put("captured_records", capturedRecords.sum());
        m.put("captured_bytes", capturedBytes.sum());
        m.put("written_records", writtenRecords.sum());
        m.put("written_bytes", writtenBytes.sum());
        m.put("portrait_accepted", portraitAccepted.sum());
        m.put("portrait_rejected", portraitRejected.sum());
        for (DropReason r : DropReason.values()) {
            m.put("dropped_" + r.key(), dropped[r.ordinal()].sum());
        }
        return m;
    }
}
