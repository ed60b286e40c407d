package io.ferry.dump.tools;

import io.ferry.dump.format.FerryRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The DATA records replay needs, in a temporary file, chained per connection, so that each connection reads its own
 * records in order without the dump being held in memory or read once per connection.
 *
 * <p>One pass over the dump ({@link Capture#forEachRecord}) appends each selected DATA record as an entry
 * {@code next i64 | direction u8 | time_us i64 | length u32 | payload} and points the previous entry of the same
 * connection at it ({@code next}; -1 ends a chain). Memory: two longs per connection (in its {@link Capture.Conn}) and a write buffer; the file
 * holds the selected payloads. Entries are read with positional reads, which any thread may do at once
 * ({@link FileChannel} positional reads are thread-safe). The file is deleted on {@link #close}.
 */
final class ReplaySpool implements AutoCloseable {

    static final int HEAD = 8 + 1 + 8 + 4;
    private static final int BUFFER = 1 << 20;

    private final Path file;
    private final FileChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    /** File position of {@link #buf}'s first byte. */
    private long bufStart;
    private long bytes;

    private ReplaySpool(Path file) throws IOException {
        this.file = file;
        this.ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Spools the DATA records of the connections {@code selected} accepts. */
    static ReplaySpool build(Capture capture, java.util.function.Predicate<Capture.Conn> selected) throws IOException {
        Path f = Files.createTempFile("ferry-replay", ".spool");
        ReplaySpool s;
        try {
            s = new ReplaySpool(f);
            capture.connections().values().forEach(c -> c.spoolFirst = c.spoolLast = -1);
        } catch (IOException e) {
            Files.deleteIfExists(f);
            throw e;
        }
        try {
            capture.forEachRecord((conn, r, last) -> {
                if (conn != null && r.type() == FerryRecord.DATA && selected.test(conn)) {
                    s.append(conn, r);
                }
            });
            s.flush();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void append(Capture.Conn conn, FerryRecord r) throws IOException {
        byte[] p = r.payload();
        long at = bufStart + buf.position();
        if (conn.spoolLast >= 0) {
            patch(conn.spoolLast, at);
        } else {
            conn.spoolFirst = at;
        }
        conn.spoolLast = at;
        if (buf.remaining() < HEAD) {
            flush();
        }
        buf.putLong(-1L).put((byte) r.direction()).putLong(r.timeMicros()).putInt(p.length);
        for (int off = 0; off < p.length; ) {
            if (!buf.hasRemaining()) {
                flush();
            }
            int n = Math.min(buf.remaining(), p.length - off);
            buf.put(p, off, n);
            off += n;
        }
        bytes += HEAD + p.length;
    }

    /** Points the entry at {@code entry} to the next one at {@code next}. */
    private void patch(long entry, long next) throws IOException {
        if (entry >= bufStart) {
            buf.putLong((int) (entry - bufStart), next);
        } else {
            ByteBuffer b = ByteBuffer.allocate(8).putLong(0, next);
            while (b.hasRemaining()) {
                ch.write(b, entry + b.position());
            }
        }
    }

    private void flush() throws IOException {
        buf.flip();
        long p = bufStart;
        while (buf.hasRemaining()) {
            p += ch.write(buf, p);
        }
        bufStart = p;
        buf.clear();
    }

    /** The first entry of {@code conn}'s chain, or -1. */
    long first(Capture.Conn conn) {
        return conn.spoolFirst;
    }

    /** The spooled bytes. */
    long bytes() {
        return bytes;
    }

    /** An entry's head. */
    record Entry(long at, long next, int direction, long timeMicros, int length) {
        long payloadAt() {
            return at + HEAD;
        }
    }

    /** Reads the head of the entry at {@code at}. */
    Entry entry(long at) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEAD);
        read(b, at);
        return new Entry(at, b.getLong(0), b.get(8), b.getLong(9), b.getInt(17));
    }

    /** Fills {@code dst} from position {@code at}. */
    void read(ByteBuffer dst, long at) throws IOException {
        long p = at;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                throw new IOException(file + ": replay spool ends at " + p);
            }
            p += n;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            ch.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
