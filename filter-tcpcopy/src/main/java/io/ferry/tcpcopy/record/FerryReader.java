package io.ferry.tcpcopy.record;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Reads a Ferry dump file record by record. A record that is cut short (a crash mid-write) or whose CRC does not
 * match ends the read: {@link #next()} returns {@code null} and {@link #problem()} says where and why; every record
 * before it has been returned. Not thread-safe; one reader per file.
 */
public final class FerryReader implements AutoCloseable {

    private final InputStream in;
    private final String name;
    private final int minor;
    private long offset;
    private String problem;
    private boolean done;

    private FerryReader(InputStream in, String name) throws IOException {
        this.in = in;
        this.name = name;
        byte[] h = new byte[FerryFormat.HEADER_LEN];
        int n = in.readNBytes(h, 0, h.length);
        if (n < 12 || !Arrays.equals(Arrays.copyOf(h, 8), FerryFormat.MAGIC)) {
            throw new IOException(name + ": not a Ferry dump (expected the magic \"FERRYDMP\" at offset 0)");
        }
        ByteBuffer b = ByteBuffer.wrap(h);
        int major = b.getShort(8) & 0xffff;
        this.minor = b.getShort(10) & 0xffff;
        if (major != FerryFormat.MAJOR) {
            throw new IOException(name + ": Ferry dump version " + major + "." + minor
                    + " (expected: major version " + FerryFormat.MAJOR + ")");
        }
        if (n < FerryFormat.HEADER_LEN) {
            throw new IOException(name + ": header cut short");
        }
        long headerLen = b.getInt(12) & 0xffffffffL;
        if (headerLen < FerryFormat.HEADER_LEN) {
            throw new IOException(name + ": header length " + headerLen + " (expected: at least 16)");
        }
        in.skipNBytes(headerLen - FerryFormat.HEADER_LEN);
        this.offset = headerLen;
    }

    /** Opens {@code file} and checks its header. */
    public static FerryReader open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
        try {
            return new FerryReader(in, file.toString());
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Reads a Ferry dump from {@code in} (header first), named {@code name} in problems; closing the reader closes
     * {@code in}. For dumps that are not files, e.g. the header followed by Kafka record values.
     */
    public static FerryReader open(InputStream in, String name) throws IOException {
        return new FerryReader(in, name);
    }

    /** True if {@code file} starts with the Ferry magic. */
    public static boolean isFerryDump(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(8), FerryFormat.MAGIC);
        }
    }

    /** The header's minor version (records of unknown types from newer minors are returned as they are). */
    public int minorVersion() {
        return minor;
    }

    /** The next record, or {@code null} at the end of the file or at a damaged record (see {@link #problem()}). */
    public FerryRecord next() throws IOException {
        if (done) {
            return null;
        }
        byte[] frame = in.readNBytes(FerryFormat.FRAME);
        if (frame.length == 0) {
            done = true;
            return null;
        }
        if (frame.length < FerryFormat.FRAME) {
            return stop("record at offset " + offset + " cut short in its frame (" + frame.length + " of 8 bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(frame);
        long len = b.getInt() & 0xffffffffL;
        long crc = b.getInt() & 0xffffffffL;
        if (len < FerryFormat.FIXED + 4 || len > FerryFormat.MAX_BODY) {
            return stop("record at offset " + offset + " has an invalid length " + len);
        }
        byte[] body = in.readNBytes((int) len);
        if (body.length < len) {
            return stop("record at offset " + offset + " cut short (" + body.length + " of " + len + " body bytes)");
        }
        CRC32 c = new CRC32();
        c.update(body);
        if (c.getValue() != crc) {
            return stop("record at offset " + offset + " fails its CRC32 check");
        }
        FerryRecord r;
        try {
            r = FerryFormat.decode(body);
        } catch (RuntimeException e) {
            return stop("record at offset " + offset + " is malformed (" + e + ")");
        }
        offset += FerryFormat.FRAME + len;
        return r;
    }

    private FerryRecord stop(String why) {
        done = true;
        problem = name + ": " + why + "; it and anything after it are skipped";
        return null;
    }

    /** Why reading stopped early, or {@code null} if the file ended cleanly (so far). */
    public String problem() {
        return problem;
    }

    /** Offset just after the last good record. */
    public long goodOffset() {
        return offset;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

}
