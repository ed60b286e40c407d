package io.ferry.tcpcopy.record;

/**
 * One record of a Ferry dump file (docs/dump-format.md). Immutable; the payload array belongs to the record once it
 * is constructed and must not be modified.
 *
 * @param type         {@link #OPEN}, {@link #DATA}, {@link #CLOSE}, {@link #TRUNCATED} or {@link #DROPPED}; readers
 *                     also return unknown types (a newer minor version) with their raw body in {@code payload}
 * @param direction    {@link #NONE}, {@link #INBOUND} (client to proxy) or {@link #OUTBOUND} (proxy to client)
 * @param timeMicros   capture time, microseconds since the Unix epoch (UTC)
 * @param connectionId the runtime's connection id (0 for {@code DROPPED})
 * @param window       the sampling window id
 * @param listener     the listener name
 * @param remote       {@code OPEN}: the client's address; otherwise {@link Endpoint#UNKNOWN_ENDPOINT}
 * @param local        {@code OPEN}: the proxy's (listener's) address; otherwise unknown
 * @param payload      {@code DATA}: the bytes; {@code DROPPED}: the reason in UTF-8; otherwise empty
 * @param value        {@code TRUNCATED}: the per-connection byte budget that was reached; {@code DROPPED}: the
 *                     number of records dropped since the previous {@code DROPPED} record; otherwise 0
 */
public record FerryRecord(int type, int direction, long timeMicros, long connectionId, String window, String listener,
                          Endpoint remote, Endpoint local, byte[] payload, long value) {

    public static final int OPEN = 1;
    public static final int DATA = 2;
    public static final int CLOSE = 3;
    public static final int TRUNCATED = 4;
    public static final int DROPPED = 5;

    public static final int NONE = 0;
    public static final int INBOUND = 1;
    public static final int OUTBOUND = 2;

    private static final byte[] EMPTY = new byte[0];

    public static FerryRecord open(long timeMicros, long connectionId, String window, String listener, Endpoint remote,
                                   Endpoint local) {
        return new FerryRecord(OPEN, NONE, timeMicros, connectionId, window, listener, remote, local, EMPTY, 0);
    }

    public static FerryRecord data(long timeMicros, long connectionId, int direction, String window, String listener,
                                   byte[] payload) {
        return new FerryRecord(DATA, direction, timeMicros, connectionId, window, listener,
                Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT, payload, 0);
    }

    public static FerryRecord close(long timeMicros, long connectionId, String window, String listener) {
        return new FerryRecord(CLOSE, NONE, timeMicros, connectionId, window, listener,
                Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT, EMPTY, 0);
    }

    public static FerryRecord truncated(long timeMicros, long connectionId, int direction, String window,
                                        String listener, long budget) {
        return new FerryRecord(TRUNCATED, direction, timeMicros, connectionId, window, listener,
                Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT, EMPTY, budget);
    }

    public static FerryRecord dropped(long timeMicros, String window, String listener, String reason, long count) {
        return new FerryRecord(DROPPED, NONE, timeMicros, 0, window, listener, Endpoint.UNKNOWN_ENDPOINT,
                Endpoint.UNKNOWN_ENDPOINT, reason.getBytes(java.nio.charset.StandardCharsets.UTF_8), count);
    }

    public static String typeName(int type) {
        return switch (type) {
            case OPEN -> "OPEN";
            case DATA -> "DATA";
            case CLOSE -> "CLOSE";
            case TRUNCATED -> "TRUNCATED";
            case DROPPED -> "DROPPED";
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
}
