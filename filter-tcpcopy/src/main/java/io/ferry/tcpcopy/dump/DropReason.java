package io.ferry.tcpcopy.dump;

/** Why a captured record was not persisted. Each is counted as {@code dropped_<key>} in the listener's stats. */
public enum DropReason {
    /** The writer's queue was full: the data path never waits. */
    QUEUE_FULL("queue_full"),
    /** The dump directory could not be created or opened. */
    DUMP_DIR_UNAVAILABLE("dump_dir_unavailable"),
    /** {@code max_total_size} would be exceeded even after deleting every rotated file. */
    SIZE_CAP("size_cap"),
    /** Writing the record failed (disk full, say); the writer goes on with the next record. */
    IO_ERROR("io_error"),
    /** The filter was closed (runtime shutdown) before the record was queued. */
    CLOSED("closed"),
    /**
     * The dump's capture budget ({@code dump.max_bytes_per_second}) was spent: the record was not queued, so neither
     * the queue nor the writer pays for it.
     */
    RATE_LIMIT("rate_limit");


    private final String key;

    DropReason(String key) {
        this.key = key;
    }

    /** The name in stats and logs, e.g. {@code queue_full}. */
    public String key() {
        return key;
    }
}
