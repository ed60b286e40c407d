package io.ferry.tcpcopy.dump.sink;

import io.ferry.filter.api.spi.FilterConfigException;

/**
 * Creates the sinks of one {@code type}, found with {@link java.util.ServiceLoader} (register the implementation in
 * {@code META-INF/services/io.ferry.tcpcopy.dump.sink.DumpSinkProvider}).
 *
 * <p>{@link #validate} runs when the tcpcopy config is parsed, so a bad sink config stops startup with the one error
 * format {@code <json-path>: <value> (expected: ...)}; {@link #create} runs when the dump writer starts. Providers
 * must be stateless and thread-safe.
 */
public interface DumpSinkProvider {

    /** The {@code type} of the sink entries this provider serves, e.g. {@code kafka}. */
    String type();

    /** Checks {@code spec}'s fields (every key not known to {@link SinkSpec} is the provider's). */
    void validate(SinkSpec spec) throws FilterConfigException;

    /** Creates a sink for a spec that {@link #validate} accepted. Must not block on the network. */
    DumpSink create(SinkSpec spec);
}
