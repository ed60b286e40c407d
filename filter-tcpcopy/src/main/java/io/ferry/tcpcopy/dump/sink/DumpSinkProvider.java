package io.ferry.tcpcopy.dump.sink;

import io.ferry.filter.api.spi.FilterConfigException;

import java.util.Set;

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

    /**
     * The keys of a sink entry whose values are credentials although their names do not say so (the Kafka sink:
     * kafka-clients' password-type settings, {@code sasl.jaas.config} among them); by default none. tcpcopy declares
     * them for its whole config ({@code NetworkFilterFactoryProvider.secretFields()}), so they are hidden in the
     * config dump, {@code dump_mem_dump.log} and the logs.
     */
    default Set<String> secretFields() {
        return Set.of();
    }

    /** Creates a sink for a spec that {@link #validate} accepted. Must not block on the network. */
    DumpSink create(SinkSpec spec);
}
