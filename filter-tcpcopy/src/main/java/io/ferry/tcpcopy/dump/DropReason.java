package io.ferry.tcpcopy.dump;

/**
 * Why records did not reach the dump, counted as {@code dropped_<key>} (records) in the listener's stats. tcpcopy sheds
 * by connection: when records of a captured connection are lost, its capture also ends with an {@code ABANDONED}
 * record ({@link ShedReason}) wherever that can still be written, so no capture has a silent hole.
 */
public enum DropReason {
    /** The writer's queue was full, even its room for the records that end captures. */
    QUEUE_FULL("queue_full"),
    /** The dump directory could not be used. */
    DUMP_DIR_UNAVAILABLE("dump_dir_unavailable"),
    /** {@code max_total_size} would be exceeded even after deleting every rotated file. */
    SIZE_CAP("size_cap"),
    /** Writing failed (a full disk, say); the files were cut back to their last whole record. */
    IO_ERROR("io_error"),
    /** The writer was stopped (runtime shutdown) before the record was queued. */
    CLOSED("closed"),
    /** The record belonged to a capture already given up (its ABANDONED record says where it stops). */
    ABANDONED("abandoned");

    private final String key;

    DropReason(String key) {
        this.key = key;
    }

    /** The name in stats and logs, e.g. {@code queue_full}. */
    public String key() {
        return key;
    }
}
