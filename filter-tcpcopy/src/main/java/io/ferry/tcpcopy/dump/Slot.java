package io.ferry.tcpcopy.dump;

import io.ferry.dump.format.FerryRecord;
import io.ferry.filter.api.IoBuffer;

/**
 * One entry of the writer's {@link RecordRing}, filled in place by the thread that claimed it and read by the writer:
 * captured bytes ({@link #DATA}), a record that opens or ends a capture ({@link #CONTROL}), or a portrait upload
 * ({@link #PORTRAIT}). A payload of at most {@link #retain} bytes is copied into the slot's own buffer, which the slot
 * keeps for the next record, so small reads are queued without allocating; a larger one gets an array of its own,
 * dropped once written. {@link RecordRing} sizes {@code retain} so that its slots never keep more than
 * {@link #RETAINED_TOTAL} bytes in all.
 */
final class Slot {

    static final int EMPTY = 0;
    static final int DATA = 1;
    static final int CONTROL = 2;
    static final int PORTRAIT = 3;

    /** The largest payload buffer a slot keeps between records. */
    static final int RETAINED = 2048;
    /** The most payload buffer all the slots of one ring keep between records. */
    static final long RETAINED_TOTAL = 8L << 20;

    /** The largest payload this slot copies into a buffer it keeps. */
    private final int retain;

    int kind;
    long timeMicros;
    String window;
    String port;
    String listener;
    long connectionId;
    int direction;
    /** {@link #DATA}: the stream offset of the payload's first byte. */
    long offset;
    CaptureStats stats;
    /** The captured connection the record belongs to, or null (portrait, REFUSED). */
    CapturedConnection owner;
    /** Bytes reserved from the {@link CaptureGate} for this record, released once it is handled. */
    int reserved;
    /** {@code payload[0, payloadLength)} are the captured bytes. */
    byte[] payload;
    int payloadLength;
    FerryRecord control;
    String businessType;
    String portraitJson;
    String configJson;
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

    /** Captured bytes: copies {@code source[from, from + length)} into the slot. */
    void data(long timeMicros, String window, String port, String listener, long connectionId, int direction,
              long offset, IoBuffer source, int from, int length, CapturedConnection owner, int reserved,
              CaptureStats stats) {
        byte[] b = buffer(length);
        source.getBytes(from, b, 0, length);
        this.kind = DATA;
        this.timeMicros = timeMicros;
        this.window = window;
        this.port = port;
        this.listener = listener;
        this.connectionId = connectionId;
        this.direction = direction;
        this.offset = offset;
        this.payload = b;
        this.payloadLength = length;
        this.owner = owner;
        this.reserved = reserved;
        this.stats = stats;
    }

    /** A record that opens or ends a capture, or a REFUSED or DROPPED record. */
    void control(FerryRecord record, String port, CapturedConnection owner, CaptureStats stats) {
        this.kind = CONTROL;
        this.timeMicros = record.timeMicros();
        this.window = record.window();
        this.port = port;
        this.listener = record.listener();
        this.connectionId = record.connectionId();
        this.control = record;
        this.owner = owner;
        this.stats = stats;
    }

    /** A portrait upload and the config that goes with it (already redacted). */
    void portrait(long timeMicros, String window, String port, String businessType, String json, String configJson,
                  CaptureStats stats) {
        this.kind = PORTRAIT;
        this.timeMicros = timeMicros;
        this.window = window;
        this.port = port;
        this.businessType = businessType;
        this.portraitJson = json;
        this.configJson = configJson;
        this.stats = stats;
    }

    /** The captured bytes as a record of their own (the slot's buffer is reused). */
    FerryRecord dataRecord() {
        return FerryRecord.data(timeMicros, connectionId, direction, window, listener, offset,
                java.util.Arrays.copyOf(payload, payloadLength));
    }

    /** Forgets the record (keeps the retained buffer); a published empty slot is skipped by the writer. */
    void clear() {
        kind = EMPTY;
        window = null;
        port = null;
        listener = null;
        stats = null;
        owner = null;
        reserved = 0;
        payload = null;
        payloadLength = 0;
        control = null;
        businessType = null;
        portraitJson = null;
        configJson = null;
    }
}
