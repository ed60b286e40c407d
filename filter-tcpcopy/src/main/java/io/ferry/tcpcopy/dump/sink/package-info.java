/**
 * The dump sink SPI: destinations of captured Ferry records besides the dump files (e.g. the Kafka sink of the
 * {@code dump-kafka} module), configured as {@code "dump": {"sinks": [{"type": "...", ...}]}}, found with
 * {@link java.util.ServiceLoader} by type ({@link io.ferry.tcpcopy.dump.sink.DumpSinkProvider}), each fed by the dump
 * writer through a bounded queue and a thread of its own ({@link io.ferry.tcpcopy.dump.sink.DumpSinks}).
 */
package io.ferry.tcpcopy.dump.sink;
