package io.ferry.tcpcopy.dump;

import io.ferry.tcpcopy.record.FerryRecord;

/**
 * One entry of the writer's {@link RecordRing}, filled in place by the connection thread that claimed it and read by
 * the writer: the fields of a {@link DumpRecord}. A payload of at most {@link #RETAINED} bytes is copied into the
 * slot's own buffer, which the slot keeps for the next record, so small reads are queued without allocating; a
 * larger one gets an array of its own, dropped once written (so the ring never retains more than
 * {@code capacity × RETAINED} bytes).
 */
final class Slot {

    /** The largest payload buffer a slot keeps between records. */
    static final int RETAINED = 2048;

    long timeMillis;
    String window;
    String port;
    CaptureStats stats;
    /** {@code payload[0, payloadLength)} are the captured bytes; null when the record has none. */
    byte[] payload;
    int payloadLength;
    String businessType;
    String portraitJson;
    String configJson;
    FerryRecord ferry;
    private byte[] own;

    /** A buffer of at least {@code n} bytes for this slot's payload (the slot's own when {@code n} is small). */
    byte[] buffer(int n) {
        if (n > RETAINED) {
            return new byte[n];
        }
        if (own == null || own.length < n) {
            own = new byte[Math.min(RETAINED, Math.max(n, 2 * (own == null ? 64 : own.length)))];
        }
        return own;
    }

    /** Takes the fields of {@code r}; its payload array is shared, not copied (a record's payload is never changed). */
    void set(DumpRecord r) {
        timeMillis = r.timeMillis;
        window = r.window;
        port = r.port;
        stats = r.stats;
        payload = r.payload;
        payloadLength = r.payload == null ? 0 : r.payload.length;
        businessType = r.businessType;
        portraitJson = r.portraitJson;
        configJson = r.configJson;
        ferry = r.ferry;
    }

    /** Forgets the record (keeps the retained buffer); a published cleared slot is skipped by the writer. */
    void clear() {
        window = null;
        port = null;
        stats = null;
        payload = null;
        payloadLength = 0;
        businessType = null;
        portraitJson = null;
        configJson = null;
        ferry = null;
    }
}
