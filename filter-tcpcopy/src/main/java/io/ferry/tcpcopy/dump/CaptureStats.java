package io.ferry.tcpcopy.dump;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one tcpcopy instance (one listener), published as stats namespace {@code tcpcopy.<listener>}.
 * Updated from connection threads, the writer and the timer without locks ({@link LongAdder}).
 *
 * <h2>Connections</h2>
 * {@code connections_admitted} counts the connections whose capture started; each then ends, once persisted, as
 * {@code connections_complete} (closed, every byte recorded), {@code connections_truncated}
 * ({@code max_bytes_per_connection}) or {@code connections_abandoned_<reason>}; until then it is
 * {@code connections_capturing}. {@code connections_refused_<reason>} counts those not admitted for lack of room, and
 * {@code connections_not_sampled} those {@code sample_percent} left out. {@code ferry dump inspect} prints the same
 * names for what the dump holds.
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
    public final LongAdder connectionsAdmitted = new LongAdder();
    final LongAdder connectionsComplete = new LongAdder();
    final LongAdder connectionsTruncated = new LongAdder();
    public final LongAdder connectionsNotSampled = new LongAdder();
    private final LongAdder[] abandoned = new LongAdder[ShedReason.values().length];
    private final LongAdder[] refused = new LongAdder[ShedReason.values().length];

    public CaptureStats() {
        for (int i = 0; i < dropped.length; i++) {
            dropped[i] = new LongAdder();
        }
        for (int i = 0; i < abandoned.length; i++) {
            abandoned[i] = new LongAdder();
            refused[i] = new LongAdder();
        }
    }

    /** A connection was not admitted to capture. */
    public void refused(ShedReason reason) {
        refused[reason.ordinal()].increment();
    }

    public long refusedCount(ShedReason reason) {
        return refused[reason.ordinal()].sum();
    }

    /** A captured connection's capture was given up (counted once its ABANDONED record is persisted). */
    void abandoned(ShedReason reason) {
        abandoned[reason.ordinal()].increment();
    }

    public long abandonedCount(ShedReason reason) {
        return abandoned[reason.ordinal()].sum();
    }

    public long completeCount() {
        return connectionsComplete.sum();
    }

    public long truncatedCount() {
        return connectionsTruncated.sum();
    }

    /** Connections admitted whose end is not persisted yet. */
    public long capturing() {
        long ended = connectionsComplete.sum() + connectionsTruncated.sum();
        for (LongAdder a : abandoned) {
            ended += a.sum();
        }
        return Math.max(0, connectionsAdmitted.sum() - ended);
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
        m.put("connections_admitted", connectionsAdmitted.sum());
        m.put("connections_capturing", capturing());
        m.put("connections_complete", connectionsComplete.sum());
        m.put("connections_truncated", connectionsTruncated.sum());
        for (ShedReason r : ShedReason.values()) {
            m.put("connections_abandoned_" + r.key(), abandoned[r.ordinal()].sum());
        }
        for (ShedReason r : ShedReason.values()) {
            m.put("connections_refused_" + r.key(), refused[r.ordinal()].sum());
        }
        m.put("connections_not_sampled", connectionsNotSampled.sum());
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
