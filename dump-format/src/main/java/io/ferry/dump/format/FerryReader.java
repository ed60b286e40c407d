package io.ferry.dump.format;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Reads a Ferry dump file (format 2) record by record, in time linear in the file's size and memory independent of
 * it (one record at a time).
 *
 * <h2>Damage</h2>
 * A record whose frame or body is cut short at the end of the file (a write in progress, a crash) ends the read and
 * is reported. Damage in the middle of a file (a torn write followed by later records, a corrupted byte) does not
 * hide what follows: the reader looks for the next position where a whole, valid record starts (its sync bytes, a
 * plausible length and a matching CRC), reports the damaged range with its offset and length, and goes on from
 * there. {@link #problems()} lists every damage found. Not thread-safe; one reader per file.
 */
public final class FerryReader implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;

    private final RandomAccessFile file;
    private final String name;
    private final String instance;
    private final int minor;
    private final long length;
    private final List<String> problems = new ArrayList<>();
    private final byte[] frame = new byte[FerryFormat.FRAME];
    private final byte[] scratch = new byte[8192];
    private byte[] buf = new byte[BUFFER];
    private long bufStart;
    private int bufLen;
    private long offset;
    private boolean done;

    private FerryReader(RandomAccessFile file, String name, long limit) throws IOException {
        this.file = file;
        this.name = name;
        this.length = Math.min(limit, file.length());
        byte[] fixed = new byte[FerryFormat.HEADER_FIXED];
        int n = readAt(0, fixed, 0, fixed.length);
        Header h = Header.parse(fixed, n, name);
        if (h.headerLen() > length) {
            throw new IOException(name + ": header cut short (" + length + " of " + h.headerLen() + " bytes)");
        }
        byte[] id = new byte[h.instanceLen()];
        readAt(FerryFormat.HEADER_FIXED, id, 0, id.length);
        this.instance = new String(id, StandardCharsets.UTF_8);
        this.minor = h.minor();
        this.offset = h.headerLen();
    }

    /** The fields of a file header. */
    private record Header(int minor, long headerLen, int instanceLen) {
        static Header parse(byte[] h, int n, String name) throws IOException {
            if (n < 8 || !Arrays.equals(Arrays.copyOf(h, 8), FerryFormat.MAGIC)) {
                throw new IOException(name + ": not a Ferry dump (expected the magic \"FERRYDMP\" at offset 0)");
            }
            if (n < 12) {
                throw new IOException(name + ": header cut short (" + n + " bytes)");
            }
            ByteBuffer b = ByteBuffer.wrap(h);
            int major = b.getShort(8) & 0xffff;
            int minor = b.getShort(10) & 0xffff;
            if (major != FerryFormat.MAJOR) {
                throw new IOException(name + ": Ferry dump format " + major + "." + minor + " (expected: format "
                        + FerryFormat.MAJOR + ".x" + (major < FerryFormat.MAJOR ? "; it was written by an earlier "
                        + "Ferry, which did not record stream offsets or the proxy instance" : "") + ")");
            }
            if (n < FerryFormat.HEADER_FIXED) {
                throw new IOException(name + ": header cut short (" + n + " bytes)");
            }
            long headerLen = b.getInt(12) & 0xffffffffL;
            int instanceLen = b.getShort(16) & 0xffff;
            if (headerLen < FerryFormat.HEADER_FIXED + instanceLen) {
                throw new IOException(name + ": header length " + headerLen + " (expected: at least "
                        + (FerryFormat.HEADER_FIXED + instanceLen) + ")");
            }
            return new Header(minor, headerLen, instanceLen);
        }
    }

    /** Opens {@code file} and checks its header. */
    public static FerryReader open(Path file) throws IOException {
        return open(file, Long.MAX_VALUE);
    }

    /**
     * Opens {@code file} and checks its header; reads no further than its first {@code length} bytes (the length it
     * had when it was read before, so that a second pass over a file being appended to sees the same records).
     */
    public static FerryReader open(Path file, long length) throws IOException {
        RandomAccessFile f;
        try {
            f = new RandomAccessFile(file.toFile(), "r");
        } catch (java.io.FileNotFoundException e) {
            throw new IOException(file + ": cannot be opened (" + e.getMessage() + ")");
        }
        try {
            return new FerryReader(f, file.toString(), length);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** True if {@code file} starts with the Ferry magic. */
    public static boolean isFerryDump(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(8), FerryFormat.MAGIC);
        }
    }

    /**
     * Decodes one framed record on its own ({@code sync | body_len | crc32 | body}, as a Kafka record value holds it).
     *
     * @throws IOException saying what is wrong with it
     */
    public static FerryRecord decodeFramed(byte[] value) throws IOException {
        if (value.length < FerryFormat.FRAME) {
            throw new IOException("cut short (" + value.length + " of at least " + FerryFormat.FRAME + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        int sync = b.getShort() & 0xffff;
        long len = b.getInt() & 0xffffffffL;
        long crc = b.getInt() & 0xffffffffL;
        if (sync != FerryFormat.SYNC) {
            throw new IOException(String.format("does not start with a Ferry record (sync %04x, expected %04x; a "
                    + "record of an earlier format?)", sync, FerryFormat.SYNC));
        }
        if (len != value.length - FerryFormat.FRAME) {
            throw new IOException("announces a body of " + len + " bytes but holds " + (value.length - FerryFormat.FRAME));
        }
        if (len < FerryFormat.MIN_BODY) {
            throw new IOException("has an invalid body length " + len);
        }
        if (FerryFormat.crc(value, 2, value, FerryFormat.FRAME, (int) len) != crc) {
            throw new IOException("fails its CRC32 check");
        }
        try {
            return FerryFormat.decode(Arrays.copyOfRange(value, FerryFormat.FRAME, value.length));
        } catch (RuntimeException e) {
            throw new IOException("is malformed: " + malformed(e));
        }
    }

    /** Why a body whose CRC matched does not decode, in words. */
    private static String malformed(RuntimeException e) {
        if (e instanceof java.nio.BufferUnderflowException) {
            return "its fields run past the end of its body";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The proxy instance that wrote the file (from its header). */
    public String instance() {
        return instance;
    }

    /** The header's minor version (records of unknown types from newer minors are returned as they are). */
    public int minorVersion() {
        return minor;
    }

    /**
     * The next whole record, or {@code null} at the end of the file. Damage is skipped and reported in
     * {@link #problems()}.
     */
    public FerryRecord next() throws IOException {
        while (!done) {
            if (offset >= length) {
                done = true;
                return null;
            }
            Candidate c = candidate(offset, true);
            if (c.record != null) {
                offset = c.next;
                return c.record;
            }
            long from = offset;
            long found = resync(from + 1);
            if (found < 0) {
                problems.add(c.cutShort
                        ? name + ": record at offset " + from + " cut short at the end of the file (" + (length - from)
                        + " bytes: a write in progress or interrupted); it is skipped"
                        : name + ": damaged from offset " + from + " to the end of the file (" + (length - from)
                        + " bytes skipped: " + c.why + ")");
                done = true;
                return null;
            }
            // a record that seems to run past the end of the file, or fails its check, with whole records after it:
            // damage in the middle of the file (a torn write the writer appended after, a corrupted length)
            problems.add(name + ": damaged at offset " + from + " (" + (c.cutShort ? "a record whose length runs past"
                    + " the end of the file" : c.why) + "): " + (found - from) + " bytes skipped, reading resumes at"
                    + " offset " + found);
            offset = found;
        }
        return null;
    }

    /** What is at a position: a whole valid record, a record cut short by the end of the file, or damage. */
    private record Candidate(FerryRecord record, long next, boolean cutShort, String why) {
    }

    private static final Candidate VALID_UNDECODED = new Candidate(null, 0, false, null);

    /**
     * Looks at {@code at}. With {@code decode}, a valid record is decoded and returned; without, only checked (its
     * body is read through the buffer to compute the CRC, nothing is allocated) and {@link #VALID_UNDECODED} stands
     * for it.
     */
    private Candidate candidate(long at, boolean decode) throws IOException {
        int n = readAt(at, frame, 0, FerryFormat.FRAME);
        ByteBuffer b = ByteBuffer.wrap(frame);
        if (n >= 2 && (b.getShort(0) & 0xffff) != FerryFormat.SYNC) {
            return new Candidate(null, 0, false, String.format("no record starts there (bytes %04x)",
                    b.getShort(0) & 0xffff));
        }
        if (n < FerryFormat.FRAME) {
            return new Candidate(null, 0, true, "frame cut short");
        }
        long len = b.getInt(2) & 0xffffffffL;
        long crc = b.getInt(6) & 0xffffffffL;
        if (len < FerryFormat.MIN_BODY || len > FerryFormat.MAX_BODY) {
            return new Candidate(null, 0, false, "invalid body length " + len);
        }
        if (at + FerryFormat.FRAME + len > length) {
            return new Candidate(null, 0, true, "body cut short");
        }
        if (!decode) {
            CRC32 c = new CRC32();
            c.update(frame, 2, 4);
            for (long p = at + FerryFormat.FRAME, end = p + len; p < end; ) {
                int k = readAt(p, scratch, 0, (int) Math.min(scratch.length, end - p));
                c.update(scratch, 0, k);
                p += k;
            }
            return c.getValue() == crc ? VALID_UNDECODED : new Candidate(null, 0, false, "CRC32 mismatch");
        }
        byte[] body = new byte[(int) len];
        readAt(at + FerryFormat.FRAME, body, 0, body.length);
        if (FerryFormat.crc(frame, 2, body, 0, body.length) != crc) {
            return new Candidate(null, 0, false, "CRC32 mismatch");
        }
        try {
            return new Candidate(FerryFormat.decode(body), at + FerryFormat.FRAME + len, false, null);
        } catch (RuntimeException e) {
            return new Candidate(null, 0, false, "malformed record: " + malformed(e));
        }
    }

    /**
     * The first offset at or after {@code from} where a whole valid record starts (sync bytes, plausible length,
     * matching CRC, and a body that decodes), or -1.
     */
    private long resync(long from) throws IOException {
        byte hi = (byte) (FerryFormat.SYNC >>> 8);
        byte lo = (byte) FerryFormat.SYNC;
        for (long p = from; p + FerryFormat.FRAME + FerryFormat.MIN_BODY <= length; p++) {
            if (byteAt(p) == hi && byteAt(p + 1) == lo && candidate(p, false) == VALID_UNDECODED
                    && candidate(p, true).record != null) {
                return p;
            }
        }
        return -1;
    }

    private byte byteAt(long p) throws IOException {
        if (p < bufStart || p >= bufStart + bufLen) {
            fill(p);
        }
        return buf[(int) (p - bufStart)];
    }

    private void fill(long p) throws IOException {
        file.seek(p);
        bufStart = p;
        bufLen = Math.max(0, file.read(buf, 0, (int) Math.min(buf.length, length - p)));
        if (bufLen == 0) {
            throw new EOFException(name + ": offset " + p);
        }
    }

    /** Reads up to {@code n} bytes at {@code at}; returns how many there were. */
    private int readAt(long at, byte[] dst, int off, int n) throws IOException {
        int got = 0;
        while (got < n && at + got < length) {
            long p = at + got;
            if (p >= bufStart && p < bufStart + bufLen) {
                int k = (int) Math.min(n - got, bufStart + bufLen - p);
                System.arraycopy(buf, (int) (p - bufStart), dst, off + got, k);
                got += k;
            } else if (n - got >= buf.length) {
                file.seek(p);
                int k = file.read(dst, off + got, n - got);
                if (k <= 0) {
                    break;
                }
                got += k;
            } else {
                fill(p);
            }
        }
        return got;
    }

    /** Every damage found so far, one line each with the file, offset and bytes skipped; empty if none. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** The number of bytes of the file this reader reads (its length when opened, or less if limited). */
    public long length() {
        return length;
    }

    /** Offset just after the last whole record returned. */
    public long goodOffset() {
        return offset;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
