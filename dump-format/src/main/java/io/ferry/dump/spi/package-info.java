/**
 * The SPIs of the dump: {@link io.ferry.dump.spi.DumpSinkProvider} and {@link io.ferry.dump.spi.DumpSink}, a
 * destination of captured Ferry records besides the dump files (tcpcopy's {@code "dump": {"sinks": [...]}}, e.g. the
 * Kafka sink), each fed {@link io.ferry.dump.spi.EncodedRecord}s on a thread of its own; and
 * {@link io.ferry.dump.spi.DumpSource}, a place other than files from which the {@code ferry dump} tools read records
 * (e.g. {@code kafka://}), with the {@link io.ferry.dump.spi.Selection} of what to read.
 *
 * <p>These types depend on the JDK and {@link io.ferry.dump.format} alone. Plugin class loaders share this package
 * and {@code io.ferry.dump.format} with the host, so an implementation in a plugin directory implements the host's
 * interfaces.
 */
package io.ferry.dump.spi;
