package io.ferry.tcpcopy.dump;

import io.ferry.tcpcopy.record.FerryFormat;
import io.ferry.tcpcopy.record.FerryRecord;

import java.io.IOException;

/**
 * {@code "format": "ferry"}: every record, captured bytes included, as a Ferry record in {@code dump_tcp_copy.ferry}
 * ({@link FerryFormat}, docs/dump-format.md). Portrait uploads have no place in it.
 *
 * <h2>Threading and buffers</h2>
 * Writer thread only; stateless. Each record is encoded into an array of its own, handed to the files and dropped.
 */
final class FerryEncoder implements RecordEncoder {

    @Override
    public boolean needsRecords() {
        return true;
    }

    @Override
    public boolean data(Slot slot, FerryRecord record, Output out) throws IOException {
        return record(record, out);
    }

    @Override
    public boolean record(FerryRecord record, Output out) throws IOException {
        byte[] e = FerryFormat.encode(record);
        return out.append(FerryFormat.FILE, e, e.length) != DumpFiles.Append.CAP;
    }

    @Override
    public boolean portrait(Slot slot, Output out) {
        return true;
    }
}
