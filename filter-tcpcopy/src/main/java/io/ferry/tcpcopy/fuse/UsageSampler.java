package io.ferry.tcpcopy.fuse;

/**
 * Takes one reading of CPU and memory usage. Called only on the scheduler's timer thread (or the admin thread), never
 * on a connection's thread; it may read files but must not sleep. Tests implement it to inject readings.
 */
@FunctionalInterface
public interface UsageSampler {

    /**
     * @return the current usage; CPU usage is measured since the previous call
     * @throws Exception if usage cannot be measured (the fuse then counts as blown, as in Layotto)
     */
    Usage sample() throws Exception;
}
