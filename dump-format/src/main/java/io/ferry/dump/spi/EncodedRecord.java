package io.ferry.dump.spi;

import io.ferry.dump.format.FerryRecord;

/**
 * One Ferry record handed to the sinks: the decoded {@link FerryRecord} (for keys and headers) and its complete
 * encoding, frame and body, exactly as a record of a {@code dump_tcp_copy.ferry} file (docs/dump-format.md).
 *
 * <p>Ownership: the record is encoded once by the writer thread and the same instance goes to every sink; neither
 * array may be modified.
 *
 * @param record  the record
 * @param encoded {@code body_len | crc32 | body}, as {@link io.ferry.dump.format.FerryFormat#encode} returns it
 */
public record EncodedRecord(FerryRecord record, byte[] encoded) {
}
