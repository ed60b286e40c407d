package io.ferry.filter.api;

/** How {@link Connection#close} treats pending writes. MOSN: {@code api.ConnectionCloseType}. */
@Stable
public enum ConnectionCloseType {
    /** Send everything already written, then close. */
    FLUSH_WRITE,
    /** Close now; pending writes are discarded. */
    NO_FLUSH
}
