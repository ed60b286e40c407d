package io.ferry.tcpcopy.dump;

import io.ferry.tcpcopy.record.FerryRecord;

/**
 * One entry of the writer's {@link RecordRing}, filled in place by the connection thread that claimed it and read by
 * the writer: the fields of a {@link DumpRecord}. A payload of at most {@link #retain} bytes is copied into the
 * slot's own buffer, which the slot keeps for the next record, so small reads are queued without allocating; a
 * larger one gets an array of its own, dropped once written. {@link RecordRing} sizes {@code retain} so that its slots
 * never keep more than {@link #RETAINED_TOTAL} bytes in all.
 */
final class Slot {

    /** The largest payload buffer a slot keeps between records. */
    static final int RETAINED = 2048;
    /** The most payload buffer all the slots of one ring keep between records. */
    static final long RETAINED_TOTAL = 8L << 20;

    /** The largest payload this slot copies into a buffer it keeps. */
    private final int retain;

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

    Slot(int retain) {
        this.retain = retain;
    }

    /** How many bytes each slot of a ring of {@code capacity} slots may keep. */
    static int retainFor(int capacity) {
        return (int) Math.min(RETAINED, RETAINED_TOTAL / capacity);
    }

    /** A buffer of at least {@code n} bytes for this slot's payload (the slot's own when {@code n} is small). */
    byte[] buffer(int n) {
        if (n > retain) {
            return new byte[n];
        }
        if (own == null || own.length < n) {
            own = new byte[Math.min(retain, Math.max(n, 2 * (own == null ? 32 : own.length)))];
        }
        return own;
    }

    /** A {@code dump_tcp_copy.log} payload: copies {@code source[from, from + length)} into {@link #buffer}. */
    void copyPayload(long timeMillis, String window, String port, CaptureStats stats,
                     io.ferry.filter.api.IoBuffer source, int from, int length) {
        byte[] b = buffer(length);
        source.getBytes(from, b, 0, length);
        this.timeMillis = timeMillis;
        this.window = window;
        this.port = port;
        this.stats = stats;
        this.payload = b;
        this.payloadLength = length;
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
