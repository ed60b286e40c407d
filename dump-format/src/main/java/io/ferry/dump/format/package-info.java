/**
 * The dump formats, as plain JDK code shared by the filter that writes dumps and the tools that read them. The Ferry
 * format (docs/dump-format.md): {@link io.ferry.dump.format.FerryRecord} (OPEN, DATA, CLOSE, TRUNCATED, ABANDONED,
 * DROPPED, REFUSED), {@link io.ferry.dump.format.Endpoint}, the encoder {@link io.ferry.dump.format.FerryFormat} and
 * {@link io.ferry.dump.format.FerryReader}, which reports a torn or damaged record and reads on after it. Layotto's
 * line format: {@link io.ferry.dump.format.LayottoFormat} (the encoder) and {@link io.ferry.dump.format.LayottoReader}
 * (hex lines without connection, direction or end, read as far as they go). pcapng is in
 * {@link io.ferry.dump.format.pcapng}. Encoders are not thread-safe unless they say so; records are immutable.
 */
package io.ferry.dump.format;
