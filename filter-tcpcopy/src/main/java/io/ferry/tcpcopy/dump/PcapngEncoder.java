package io.ferry.tcpcopy.dump;

import io.ferry.tcpcopy.pcapng.PcapConverter;
import io.ferry.tcpcopy.pcapng.PcapngWriter;
import io.ferry.tcpcopy.record.FerryRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code "format": "pcapng"}: a live pcapng capture in {@code dump_tcp_copy.pcapng}, one synthetic TCP session per
 * captured connection ({@link PcapConverter.Session}: a handshake before its first record, its bytes as segments, a
 * FIN or a RST where its capture ends). Records without a connection ({@code REFUSED}, {@code DROPPED}) and portrait
 * uploads give no packet.
 *
 * <h2>Threading and buffers</h2>
 * Writer thread only. The sessions' TCP state lives as long as the writer. The packets of one record are written into
 * a buffer this encoder keeps and reuses, and appended from it.
 */
final class PcapngEncoder implements RecordEncoder {

    /** A byte buffer whose array is appended as it is, without a copy. */
    private static final class Packets extends ByteArrayOutputStream {
        byte[] array() {
            return buf;
        }
    }

    private final PcapConverter.Session session = new PcapConverter.Session();
    private final Packets packets = new Packets();
    private final PcapngWriter writer;

    PcapngEncoder() {
        try {
            this.writer = new PcapngWriter(packets, PcapngWriter.INTERFACE_NAME, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);      // a ByteArrayOutputStream does not fail
        }
    }

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
        packets.reset();
        session.packets(record, writer);
        if (packets.size() == 0) {
            return true;
        }
        return out.append(PcapngWriter.FILE, packets.array(), packets.size()) != DumpFiles.Append.CAP;
    }

    @Override
    public boolean portrait(Slot slot, Output out) {
        return true;
    }
}
