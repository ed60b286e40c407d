/**
 * tcpcopy's side of the dump sinks: {@link io.ferry.tcpcopy.dump.sink.SinkSpec} parses
 * {@code "dump": {"sinks": [{"type": "...", ...}]}} and finds each type's {@link io.ferry.dump.spi.DumpSinkProvider}
 * (the SPI, in {@code dump-format}), and {@link io.ferry.tcpcopy.dump.sink.DumpSinks} feeds each sink from the dump
 * writer through a bounded queue and a thread of its own.
 */
package io.ferry.tcpcopy.dump.sink;
