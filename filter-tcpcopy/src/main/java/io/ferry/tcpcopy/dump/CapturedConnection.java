package io.ferry.tcpcopy.dump;

/**
 * What the dump writer and the {@link CaptureGate} know of a captured connection: they can ask it to give up its
 * capture. Implemented by the filter's per-connection state.
 *
 * <h2>Threading</h2>
 * Both methods may be called from any thread (the writer's, another connection's); they only set a volatile field
 * that the connection reads at its next capture or at its close, on its own thread.
 */
public interface CapturedConnection {

    /**
     * Overload: the connection gives up its capture at its next record (or at its close) and writes the
     * {@code ABANDONED} record itself, with the offsets it reached.
     */
    void requestAbandon(ShedReason reason);

    /**
     * The writer could not persist records of this connection and has written (or will write) its
     * {@code ABANDONED} record itself: the connection submits nothing more.
     */
    void abandonedByWriter(ShedReason reason);
}
