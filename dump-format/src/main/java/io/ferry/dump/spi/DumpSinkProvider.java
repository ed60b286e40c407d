package io.ferry.dump.spi;

import java.util.Set;

/**
 * Creates the sinks of one {@code type}. Register the implementation in
 * {@code META-INF/services/io.ferry.dump.spi.DumpSinkProvider}; it needs a public no-argument constructor. tcpcopy
 * finds providers through the runtime's extension lookup (the class path, and each plugin location of the plugin
 * directory, whose class loader shares this package with the host), or, embedded without a runtime, through
 * {@link java.util.ServiceLoader} on its own class loader.
 *
 * <p>{@link #validate} runs when the tcpcopy config is parsed, so a bad sink config stops startup with the one error
 * format {@code <json-path>: <value> (expected: ...)}; {@link #create} runs when the dump writer starts. Providers
 * must be stateless and thread-safe: one instance may serve several listeners and proxies.
 */
public interface DumpSinkProvider {

    /** The {@code type} of the sink entries this provider serves, e.g. {@code kafka}. */
    String type();

    /**
     * Checks {@code config}'s fields (every key but {@link SinkConfig#COMMON_FIELDS} is the provider's).
     *
     * @throws SinkConfigException naming the first offending field by its JSON path
     */
    void validate(SinkConfig config) throws SinkConfigException;

    /**
     * The keys of a sink entry whose values are credentials although their names do not say so (the Kafka sink:
     * kafka-clients' password-type settings, {@code sasl.jaas.config} among them); by default none. tcpcopy declares
     * them for its whole config ({@code NetworkFilterFactoryProvider.secretFields()}), so they are hidden in the
     * config dump, {@code dump_mem_dump.log} and the logs.
     */
    default Set<String> secretFields() {
        return Set.of();
    }

    /**
     * Creates a sink for a config that {@link #validate} accepted. Must not block on the network.
     *
     * @throws IllegalArgumentException if the sink cannot be created; the message names the entry's path
     */
    DumpSink create(SinkConfig config);
}
