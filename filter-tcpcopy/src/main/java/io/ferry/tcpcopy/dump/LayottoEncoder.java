package io.ferry.tcpcopy.dump;

import io.ferry.tcpcopy.record.FerryRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Layotto's lines ({@link LayottoFormat}), written with every format: a {@code dump_tcp_copy.log} line per captured
 * read or write, and per portrait upload a {@code dump_portrait_data.log} line and a {@code dump_mem_dump.log} line
 * (the config when its MD5 changed since that port's last line or the file is empty, else {@code no_change}). The
 * records that open and end captures have no place in Layotto's files.
 *
 * <h2>Threading and buffers</h2>
 * Writer thread only. A captured read becomes a line in a byte array this encoder keeps and reuses (it grows to the
 * longest line seen), its head written by {@link LayottoFormat.PayloadHead} without a string per line: a line of a
 * captured read allocates nothing once the array is large enough. Portrait lines, rare, go through a string.
 */
final class LayottoEncoder implements RecordEncoder {

    private final ZoneId zone;
    private final LayottoFormat.PayloadHead head;
    private final StringBuilder line = new StringBuilder(256);
    /** The MD5 of the config last written to {@code dump_mem_dump.log}, per port. */
    private final Map<String, String> memDumpMd5 = new HashMap<>();
    private byte[] bytes = new byte[64 * 1024];

    LayottoEncoder(ZoneId zone) {
        this.zone = zone;
        this.head = new LayottoFormat.PayloadHead(zone);
    }

    @Override
    public boolean needsRecords() {
        return false;
    }

    @Override
    public boolean data(Slot r, FerryRecord record, Output out) throws IOException {
        int len = head.maxLength(r.window, r.port) + 3 * r.payloadLength + 1;
        if (bytes.length < len) {
            bytes = new byte[Math.max(len, bytes.length * 2)];
        }
        int end = LayottoFormat.hex(r.payload, r.payloadLength, bytes,
                head.write(r.timeMicros / 1000, r.window, r.port, bytes, 0));
        bytes[end++] = '\n';
        return out.append(LayottoFormat.TCP_COPY_FILE, bytes, end) != DumpFiles.Append.CAP;
    }

    @Override
    public boolean record(FerryRecord record, Output out) {
        return true;
    }

    @Override
    public boolean portrait(Slot r, Output out) throws IOException {
        line.setLength(0);
        LayottoFormat.prefix(line, r.timeMicros / 1000, zone);
        LayottoFormat.portrait(line, r.window, r.businessType, r.port, r.portraitJson);
        line.append('\n');
        if (appendLine(out, LayottoFormat.PORTRAIT_FILE) == DumpFiles.Append.CAP) {
            return false;
        }
        String md5 = md5(r.configJson);
        boolean changed = !md5.equals(memDumpMd5.get(r.port)) || out.size(LayottoFormat.MEM_DUMP_FILE) <= 0;
        line.setLength(0);
        LayottoFormat.prefix(line, r.timeMicros / 1000, zone);
        LayottoFormat.memDump(line, r.window, changed ? r.configJson : "no_change");
        line.append('\n');
        if (appendLine(out, LayottoFormat.MEM_DUMP_FILE) == DumpFiles.Append.WRITTEN) {
            memDumpMd5.put(r.port, md5);
        }
        return true;
    }

    private DumpFiles.Append appendLine(Output out, String file) throws IOException {
        byte[] b = line.toString().getBytes(StandardCharsets.UTF_8);
        return out.append(file, b, b.length);
    }

    static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
