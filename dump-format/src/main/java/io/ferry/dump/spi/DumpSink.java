package io.ferry.dump.spi;

import java.util.Map;

/**
 * A destination of captured Ferry records besides the dump files, e.g. a Kafka topic. Created by a
 * {@link DumpSinkProvider} from one entry of {@code "dump": {"sinks": [...]}}.
 *
 * <h2>Threading</h2>
 * Each sink has its own thread and its own bounded queue ({@link DumpSinks}): {@link #accept}, {@link #flush} and
 * {@link #close} are called on that thread only, one at a time. A sink may block its own thread (a slow network), but
 * never for long: while it does, its queue fills and further records for this sink are dropped and counted
 * ({@code queue_full}); the data path, the dump writer and other sinks are not affected.
 *
 * <h2>Ownership</h2>
 * The {@link EncodedRecord} is shared with the other sinks and must not be modified; a sink may keep it.
 */
public interface DumpSink extends AutoCloseable {

    /** Sends or buffers one record. An exception drops the record and is counted ({@code sink_error}). */
    void accept(EncodedRecord record) throws Exception;

    /** Called when the sink's queue is empty; a sink that batches may hand over what it holds. */
    default void flush() {
    }

    /** Counters of the sink itself (e.g. {@code sent}, {@code dropped_send_failed}), published in the stats. */
    default Map<String, Long> stats() {
        return Map.of();
    }

    /** Releases the sink's resources; called once, on the sink's thread, after the last record. */
    @Override
    void close();
}
