package io.ferry.filter.chain;

/**
 * Watches a {@link ChainConnection} for what a test harness wants to record: resumed passes, filter failures and
 * buffers used after their callback. The proxy runtime does not need one.
 *
 * <p>{@link #continueReading} and {@link #filterFailed} are called on the connection's thread;
 * {@link #bufferUsedAfterCallback} and {@link #usedOffConnectionThread} on whatever thread misused the connection. Implementations must not throw.
 */
public interface ChainObserver {

    /** Observes nothing. */
    ChainObserver NOOP = new ChainObserver() {
    };

    /** A stopped read filter resumed the chain with {@code continueReading()}; the pass starts after it. */
    default void continueReading(String type, Object filter) {
    }

    /**
     * A filter or factory broke the contract: it threw ({@code error} is what it threw) or returned {@code null}
     * ({@code error} is an {@link IllegalStateException} naming it). The connection is being closed.
     */
    default void filterFailed(String type, Object filter, Throwable error) {
    }

    /** A revoked buffer was used (rule R4.1); {@code error} is the exception thrown at the caller. */
    default void bufferUsedAfterCallback(IllegalStateException error) {
    }

    /**
     * Connection state that only the connection's thread may touch was touched from another thread (rule R4.3, see
     * {@link ChainConnection#confineToConnectionThread}); {@code error} is the exception thrown at the caller.
     */
    default void usedOffConnectionThread(IllegalStateException error) {
    }
}
