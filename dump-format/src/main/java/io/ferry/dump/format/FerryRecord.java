package io.ferry.dump.format;

import java.nio.charset.StandardCharsets;

/**
 * One record of a Ferry dump (docs/dump-format.md, version 2). Immutable; the payload array belongs to the record once
 * it is constructed and must not be modified.
 *
 * <p>Stream offsets count the bytes of one direction of a connection from its first byte (offset 0), whether or not
 * they were captured; {@link #NOT_CAPTURED} marks a direction the dump does not record ({@code "directions":
 * "inbound"}). With them a reader can tell a complete capture from one with a hole without trusting anything else.
 *
 * @param type         {@link #OPEN}, {@link #DATA}, {@link #CLOSE}, {@link #TRUNCATED}, {@link #DROPPED},
 *                     {@link #ABANDONED} or {@link #REFUSED}; readers also return unknown types (a newer minor
 *                     version) with their raw rest in {@code payload}
 * @param direction    {@link #NONE}, {@link #INBOUND} (client to proxy) or {@link #OUTBOUND} (proxy to client)
 * @param flags        {@code OPEN}: {@link #MID_STREAM} when the capture starts after the connection's first byte
 * @param timeMicros   capture time, microseconds since the Unix epoch (UTC)
 * @param connectionId the proxy's connection id, unique within the proxy instance that wrote the file (0 for
 *                     {@code DROPPED} and {@code REFUSED})
 * @param window       the sampling window the connection was admitted in
 * @param listener     the listener name
 * @param remote       {@code OPEN}: the client's address; otherwise {@link Endpoint#UNKNOWN_ENDPOINT}
 * @param local        {@code OPEN}: the proxy's (listener's) address; otherwise unknown
 * @param inbound      {@code OPEN}: inbound offset where capture starts; {@code CLOSE}: inbound bytes of the whole
 *                     connection; {@code TRUNCATED}, {@code ABANDONED}: inbound offset where capture stopped;
 *                     otherwise 0
 * @param outbound     the same for the outbound direction ({@link #NOT_CAPTURED} if outbound is not recorded)
 * @param payload      {@code DATA}: the bytes; {@code DROPPED}, {@code ABANDONED}, {@code REFUSED}: the reason in
 *                     UTF-8; otherwise empty
 * @param value        {@code DATA}: the stream offset of the payload's first byte in its direction;
 *                     {@code TRUNCATED}: the {@code max_bytes_per_connection} reached; {@code DROPPED}: records lost;
 *                     {@code REFUSED}: connections not admitted; otherwise 0
 */
public record FerryRecord(int type, int direction, int flags, long timeMicros, long connectionId, String window,
                          String listener, Endpoint remote, Endpoint local, long inbound, long outbound,
                          byte[] payload, long value) {

    public static final int OPEN = 1;
    public static final int DATA = 2;
    public static final int CLOSE = 3;
    public static final int TRUNCATED = 4;
    public static final int DROPPED = 5;
    public static final int ABANDONED = 6;
    public static final int REFUSED = 7;

    public static final int NONE = 0;
    public static final int INBOUND = 1;
    public static final int OUTBOUND = 2;

    /** {@code OPEN} flag: the connection was already open when its capture started. */
    public static final int MID_STREAM = 1;

    /** A stream offset for a direction the dump does not record. */
    public static final long NOT_CAPTURED = -1;

    private static final byte[] EMPTY = new byte[0];

    public static FerryRecord open(long timeMicros, long connectionId, String window, String listener, Endpoint remote,
                                   Endpoint local, boolean midStream, long inbound, long outbound) {
        return new FerryRecord(OPEN, NONE, midStream ? MID_STREAM : 0, timeMicros, connectionId, window, listener,
                remote, local, inbound, outbound, EMPTY, 0);
    }

    /** Captured bytes of one direction, whose first byte is at stream offset {@code offset}. */
    public static FerryRecord data(long timeMicros, long connectionId, int direction, String window, String listener,
                                   long offset, byte[] payload) {
        return new FerryRecord(DATA, direction, 0, timeMicros, connectionId, window, listener,
                Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT, 0, 0, payload, offset);
    }

    /** The connection closed; {@code inbound} and {@code outbound} are its bytes in each direction. */
    public static FerryRecord close(long timeMicros, long connectionId, String window, String listener, long inbound,
                                    long outbound) {
        return new FerryRecord(CLOSE, NONE, 0, timeMicros, connectionId, window, listener, Endpoint.UNKNOWN_ENDPOINT,
                Endpoint.UNKNOWN_ENDPOINT, inbound, outbound, EMPTY, 0);
    }

    /** {@code max_bytes_per_connection} reached at these offsets; nothing more of the connection is captured. */
    public static FerryRecord truncated(long timeMicros, long connectionId, int direction, String window,
                                        String listener, long budget, long inbound, long outbound) {
        return new FerryRecord(TRUNCATED, direction, 0, timeMicros, connectionId, window, listener,
                Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT, inbound, outbound, EMPTY, budget);
    }

    /** Records of this listener lost before they reached this file, since the previous such record. */
    public static FerryRecord dropped(long timeMicros, String window, String listener, String reason, long count) {
        return new FerryRecord(DROPPED, NONE, 0, timeMicros, 0, window, listener, Endpoint.UNKNOWN_ENDPOINT,
                Endpoint.UNKNOWN_ENDPOINT, 0, 0, utf8(reason), count);
    }

    /** The capture of a connection was given up at these offsets, for {@code reason}; nothing more of it follows. */
    public static FerryRecord abandoned(long timeMicros, long connectionId, String window, String listener,
                                        long inbound, long outbound, String reason) {
        return new FerryRecord(ABANDONED, NONE, 0, timeMicros, connectionId, window, listener,
                Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT, inbound, outbound, utf8(reason), 0);
    }

    /** {@code count} connections of this window and listener were not admitted, for {@code reason}. */
    public static FerryRecord refused(long timeMicros, String window, String listener, String reason, long count) {
        return new FerryRecord(REFUSED, NONE, 0, timeMicros, 0, window, listener, Endpoint.UNKNOWN_ENDPOINT,
                Endpoint.UNKNOWN_ENDPOINT, 0, 0, utf8(reason), count);
    }

    /** {@code DATA}: the stream offset just after the payload. */
    public long end() {
        return value + payload.length;
    }

    /** {@code OPEN}: true if the connection was already open when its capture started. */
    public boolean midStream() {
        return (flags & MID_STREAM) != 0;
    }

    /** {@code DROPPED}, {@code ABANDONED}, {@code REFUSED}: the reason. */
    public String reason() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The stream offset of {@code direction} in a record that carries both ({@code inbound} or {@code outbound}). */
    public long offset(int direction) {
        return direction == INBOUND ? inbound : outbound;
    }

    public static String typeName(int type) {
        return switch (type) {
            case OPEN -> "OPEN";
            case DATA -> "DATA";
            case CLOSE -> "CLOSE";
            case TRUNCATED -> "TRUNCATED";
            case DROPPED -> "DROPPED";
            case ABANDONED -> "ABANDONED";
            case REFUSED -> "REFUSED";
            default -> "type " + type;
        };
    }

    public static String directionName(int direction) {
        return switch (direction) {
            case INBOUND -> "inbound";
            case OUTBOUND -> "outbound";
            default -> "-";
        };
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
