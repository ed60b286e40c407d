/**
 * The Ferry dump format (docs/dump-format.md): {@link io.ferry.tcpcopy.record.FerryRecord} (OPEN, DATA, CLOSE,
 * TRUNCATED, DROPPED), {@link io.ferry.tcpcopy.record.Endpoint}, the encoder
 * {@link io.ferry.tcpcopy.record.FerryFormat} used by the dump writer thread, and
 * {@link io.ferry.tcpcopy.record.FerryReader}, which stops at a torn or damaged record and keeps everything before
 * it. Layotto has no equivalent: its dump is hex lines without connection, direction or timestamp.
 */
package io.ferry.tcpcopy.record;
