package io.ferry.tcpcopy.dump;

/**
 * Why a connection was not admitted to capture, or why its capture was given up. tcpcopy sheds load by connection,
 * never by read: a connection is captured whole or its capture ends with a record giving one of these reasons
 * (docs/dump-format.md). Each is counted as {@code connections_refused_<key>} or {@code connections_abandoned_<key>}.
 */
public enum ShedReason {
    /** The dump's byte budget ({@code dump.max_buffered_bytes}) for records waiting to be written is spent. */
    MEMORY("memory"),
    /** The capture budget ({@code dump.max_bytes_per_second}) is spent. */
    RATE_LIMIT("rate_limit"),
    /** The writer's queue ({@code dump.queue_capacity} records) is full. */
    QUEUE_FULL("queue_full"),
    /** Writing to the dump failed (a full disk, a removed directory): the records that could not be written are lost. */
    IO_ERROR("io_error"),
    /** {@code dump.max_total_size} is reached and no rotated file is left to delete. */
    SIZE_CAP("size_cap"),
    /** The dump directory cannot be used. */
    DUMP_UNAVAILABLE("dump_unavailable"),
    /** A dump sink's queue is full (a slow or unreachable sink): that sink gives up the connection. */
    SINK_SLOW("sink_slow"),
    /** The capture switch went off while the connection was captured. */
    SWITCHED_OFF("switched_off"),
    /** The proxy stopped while the connection was captured. */
    SHUTDOWN("shutdown");

    private final String key;

    ShedReason(String key) {
        this.key = key;
    }

    /** The name in records, stats and logs, e.g. {@code rate_limit}. */
    public String key() {
        return key;
    }
}
