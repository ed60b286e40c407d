package io.ferry.dump.format.pcapng;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryRecord;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads back a pcapng file Ferry wrote (the live {@code "format": "pcapng"} writer's {@code dump_tcp_copy.pcapng}, or
 * {@code ferry dump pcap}'s output) as Ferry records, streaming, in memory independent of the file's size (one block
 * at a time, and a small state per open conversation).
 *
 * <p>Each packet's {@code opt_comment} ({@code ferry window=<id> connection=<id> listener=<name> instance=<id>}, see
 * docs/dump-format.md) names its connection; the TCP flags and sequence numbers give the records: the SYN an
 * {@code OPEN} (with the addresses, and the mid-stream offsets its comment states), each segment with payload a
 * {@code DATA} record at the stream offset its sequence number gives (the comment of a segment after a hole says where
 * it is), the client's FIN a {@code CLOSE}, a RST whose comment says {@code capture stops here: truncated ...} or
 * {@code abandoned ...} a {@code TRUNCATED} or {@code ABANDONED} record. Packets without a Ferry comment (a capture
 * of another tool) are skipped and counted in {@link #problems()}. What pcapng does not carry is not invented: the
 * {@code REFUSED} and {@code DROPPED} records of a Ferry dump are not in a pcapng file.
 *
 * <p>Damage (a block whose length is impossible, a file cut short) ends the read with one line in {@link #problems()}
 * naming the file and offset; never an exception other than {@link IOException} for a file that cannot be read or
 * is not pcapng at all. Not thread-safe.
 */
public final class PcapngReader implements AutoCloseable {

    /** The first four bytes of every pcapng file: a Section Header Block. */
    public static final int SHB = 0x0A0D0D0A;
    private static final int IDB = 1;
    private static final int EPB = 6;
    private static final int SPB = 3;
    private static final int MAX_BLOCK = 256 << 20;

    private static final Pattern COMMENT = Pattern.compile(
            "^ferry window=(\\S*) connection=(-?\\d{1,19}) listener=(.*?)(?: instance=(\\S+))?(?: \\| (.*))?$",
            Pattern.DOTALL);
    private static final Pattern MID = Pattern.compile("capture starts mid-stream: inbound at byte (\\d+)(?:, outbound at byte (\\d+))?");
    private static final Pattern HOLE = Pattern.compile("(\\d+) (inbound|outbound) bytes missing before this segment \\(bytes (\\d+) to (\\d+)\\)");
    private static final Pattern TWICE = Pattern.compile("(inbound|outbound) bytes (\\d+) to (\\d+) recorded twice");
    private static final Pattern MISSING = Pattern.compile("(inbound|outbound) bytes (\\d+) to (\\d+) missing");
    private static final Pattern TRUNC = Pattern.compile("capture stops here: truncated at \\d+ B \\(max_bytes_per_connection (\\d+)\\)");
    private static final Pattern ABANDON = Pattern.compile("capture stops here: abandoned at \\d+ B: ([^;|]*)");

    /** One conversation's state. */
    private static final class Conv {
        final String instance;
        final long id;
        final String window;
        final String listener;
        /** Next sequence number and stream offset, client (0) and server (1); seq unknown until seen. */
        final int[] seq = new int[2];
        final boolean[] seqKnown = new boolean[2];
        final long[] offset = new long[2];
        boolean ended;

        Conv(String instance, long id, String window, String listener) {
            this.instance = instance;
            this.id = id;
            this.window = window;
            this.listener = listener;
        }
    }

    /** A record and the proxy instance that captured it. */
    public record Read(String instance, FerryRecord record) {
    }

    private final InputStream in;
    private final String name;
    private final long length;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, Conv> convs = new HashMap<>();
    private final ArrayDeque<Read> ready = new ArrayDeque<>();
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    private final List<Long> tsUnitsPerSecond = new ArrayList<>();
    private long pos;
    private long foreign;
    private boolean done;

    private PcapngReader(InputStream in, String name, long length) {
        this.in = in;
        this.name = name;
        this.length = length;
    }

    /** Opens {@code file}; its first bytes must be a pcapng Section Header Block. */
    public static PcapngReader open(Path file) throws IOException {
        return open(file, Long.MAX_VALUE);
    }

    /** As {@link #open(Path)}, reading no further than its first {@code limit} bytes. */
    public static PcapngReader open(Path file, long limit) throws IOException {
        InputStream in;
        long len;
        try {
            len = Math.min(limit, Files.size(file));
            in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (IOException e) {
            throw new IOException(file + ": cannot be opened (" + e.getMessage() + ")");
        }
        PcapngReader r = new PcapngReader(in, file.toString(), len);
        try {
            byte[] head = new byte[4];
            if (r.readFully(head) < 4 || ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt() != SHB) {
                throw new IOException(file + ": not a pcapng file (expected a Section Header Block at offset 0)");
            }
            r.pending = head;
        } catch (IOException e) {
            in.close();
            throw e;
        }
        return r;
    }

    /** True if {@code file} starts with a pcapng Section Header Block. */
    public static boolean isPcapng(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() == SHB;
        }
    }

    private byte[] pending;

    /** The next record with its instance, or null at the end of the file (or at damage, reported). */
    public Read next() throws IOException {
        while (ready.isEmpty() && !done) {
            block();
        }
        if (ready.isEmpty()) {
            if (foreign > 0) {
                problems.add(name + ": " + foreign + " packets without a Ferry comment (\"ferry window=... "
                        + "connection=...\") were skipped: not written by Ferry?");
                foreign = 0;
            }
            return null;
        }
        return ready.poll();
    }

    /** Every problem found, one line each with the file and offset; empty if none. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Reads one block and turns it into records (or ends the read at damage). */
    private void block() throws IOException {
        long at = pos - (pending == null ? 0 : pending.length);
        if (at >= length) {
            done = true;
            return;
        }
        byte[] head = new byte[8];
        int got;
        if (pending != null) {
            System.arraycopy(pending, 0, head, 0, 4);
            pending = null;
            got = 4 + readFully(head, 4, 4);
        } else {
            got = readFully(head, 0, 8);
        }
        if (got < 8) {
            damaged(at, "a block header cut short at the end of the file");
            return;
        }
        int rawType = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (rawType == SHB) {
            byte[] bom = new byte[4];
            if (readFully(bom) < 4) {
                damaged(at, "a Section Header Block cut short");
                return;
            }
            int magic = ByteBuffer.wrap(bom).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (magic == 0x1A2B3C4D) {
                order = ByteOrder.LITTLE_ENDIAN;
            } else if (magic == 0x4D3C2B1A) {
                order = ByteOrder.BIG_ENDIAN;
            } else {
                damaged(at, String.format("a Section Header Block with byte-order magic %08x", magic));
                return;
            }
            tsUnitsPerSecond.clear();
            long total = ByteBuffer.wrap(head).order(order).getInt(4) & 0xffffffffL;
            if (!plausible(at, total)) {
                return;
            }
            byte[] rest = new byte[(int) total - 12];
            if (readFully(rest) < rest.length) {
                damaged(at, "a Section Header Block cut short at the end of the file");
            }
            return;
        }
        ByteBuffer h = ByteBuffer.wrap(head).order(order);
        int type = h.getInt(0);
        long total = h.getInt(4) & 0xffffffffL;
        if (!plausible(at, total)) {
            return;
        }
        byte[] body = new byte[(int) total - 12];
        byte[] tail = new byte[4];
        if (readFully(body) < body.length || readFully(tail) < 4) {
            damaged(at, "a block of " + total + " bytes cut short at the end of the file");
            return;
        }
        if ((ByteBuffer.wrap(tail).order(order).getInt() & 0xffffffffL) != total) {
            damaged(at, "a block whose trailing length differs from its leading one (" + total + ")");
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(body).order(order);
        try {
            if (type == IDB) {
                tsUnitsPerSecond.add(interfaceResolution(b));
            } else if (type == EPB) {
                packet(b, at);
            } else if (type == SPB) {
                foreign++;
            }
        } catch (RuntimeException e) {
            problems.add(name + ": block at offset " + at + " is malformed (" + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()) + "); it is skipped");
        }
    }

    private boolean plausible(long at, long total) {
        if (total < 12 || total % 4 != 0 || total > MAX_BLOCK) {
            damaged(at, "a block of impossible length " + total);
            return false;
        }
        if (at + total > length) {
            damaged(at, "a block of " + total + " bytes that runs past the end of the file");
            return false;
        }
        return true;
    }

    private void damaged(long at, String why) {
        problems.add(name + ": damaged at offset " + at + " (" + why + "): the rest of the file (" + (length - at)
                + " bytes) is skipped");
        done = true;
    }

    private static long interfaceResolution(ByteBuffer b) {
        b.position(8);
        long units = 1_000_000;
        while (b.remaining() >= 4) {
            int code = b.getShort() & 0xffff;
            int len = b.getShort() & 0xffff;
            if (code == 0) {
                break;
            }
            if (code == 9 && len >= 1) {
                int r = b.get(b.position()) & 0xff;
                units = (r & 0x80) == 0 ? (long) Math.pow(10, Math.min(18, r)) : 1L << Math.min(62, r & 0x7f);
            }
            b.position(b.position() + ((len + 3) & ~3));
        }
        return units;
    }

    private void packet(ByteBuffer b, long at) {
        int iface = b.getInt(0);
        long ts = (b.getInt(4) & 0xffffffffL) << 32 | (b.getInt(8) & 0xffffffffL);
        int captured = b.getInt(12);
        if (captured < 0 || 20 + captured > b.capacity()) {
            throw new IllegalArgumentException("captured length " + captured + " runs past the block");
        }
        long units = iface >= 0 && iface < tsUnitsPerSecond.size() ? tsUnitsPerSecond.get(iface) : 1_000_000;
        long micros = units == 1_000_000 ? ts : units > 1_000_000 ? ts / (units / 1_000_000)
                : ts * (1_000_000 / Math.max(1, units));
        int frameAt = 20;
        String comment = null;
        int flags = 0;
        b.position(frameAt + ((captured + 3) & ~3));
        while (b.remaining() >= 4) {
            int code = b.getShort() & 0xffff;
            int len = b.getShort() & 0xffff;
            if (code == 0 || len > b.remaining()) {
                break;
            }
            if (code == 1) {
                comment = new String(body(b, b.position(), len), StandardCharsets.UTF_8);
            } else if (code == 2 && len >= 4) {
                flags = b.getInt(b.position());
            }
            b.position(b.position() + ((len + 3) & ~3));
        }
        Matcher m = comment == null ? null : COMMENT.matcher(comment);
        if (m == null || !m.matches()) {
            foreign++;
            return;
        }
        tcp(ByteBuffer.wrap(b.array(), frameAt, captured).slice(), micros, flags, m);
    }

    private static byte[] body(ByteBuffer b, int at, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b.array(), b.arrayOffset() + at, out, 0, len);
        return out;
    }

    /** Parses an Ethernet / IPv4 or IPv6 / TCP frame and updates its conversation. */
    private void tcp(ByteBuffer f, long micros, int epbFlags, Matcher m) {
        int etherType = f.getShort(12) & 0xffff;
        int ip = 14;
        int tcp;
        byte[] src;
        byte[] dst;
        int end;
        if (etherType == 0x0800) {
            int ihl = (f.get(ip) & 0x0f) * 4;
            int total = f.getShort(ip + 2) & 0xffff;
            src = bytes(f, ip + 12, 4);
            dst = bytes(f, ip + 16, 4);
            tcp = ip + ihl;
            end = Math.min(f.limit(), ip + total);
        } else if (etherType == 0x86DD) {
            int payload = f.getShort(ip + 4) & 0xffff;
            src = bytes(f, ip + 8, 16);
            dst = bytes(f, ip + 24, 16);
            tcp = ip + 40;
            end = Math.min(f.limit(), tcp + payload);
        } else {
            foreign++;
            return;
        }
        int srcPort = f.getShort(tcp) & 0xffff;
        int dstPort = f.getShort(tcp + 2) & 0xffff;
        int seq = f.getInt(tcp + 4);
        int dataOffset = ((f.get(tcp + 12) & 0xf0) >>> 4) * 4;
        int tcpFlags = f.get(tcp + 13) & 0xff;
        int payloadAt = tcp + dataOffset;
        if (dataOffset < 20 || payloadAt > end) {
            throw new IllegalArgumentException("a TCP header runs past its packet");
        }
        String window = m.group(1);
        long id = Long.parseLong(m.group(2));
        String listener = m.group(3);
        String instance = m.group(4) == null ? "" : m.group(4);
        String notes = m.group(5) == null ? "" : m.group(5);
        String key = instance + "\n" + id;
        int dir = (epbFlags & 3) == PcapngWriter.OUTBOUND ? 1 : (epbFlags & 3) == PcapngWriter.INBOUND ? 0
                : (tcpFlags & TcpSynthesizer.SYN) != 0 && (tcpFlags & TcpSynthesizer.ACK) == 0 ? 0 : -1;
        Conv c = convs.get(key);
        if ((tcpFlags & TcpSynthesizer.SYN) != 0) {
            if ((tcpFlags & TcpSynthesizer.ACK) == 0) {
                c = new Conv(instance, id, window, listener);
                convs.put(key, c);
                long in = 0;
                long out = 0;
                boolean mid = false;
                Matcher mm = MID.matcher(notes);
                if (mm.find()) {
                    mid = true;
                    in = Long.parseLong(mm.group(1));
                    out = mm.group(2) == null ? FerryRecord.NOT_CAPTURED : Long.parseLong(mm.group(2));
                }
                c.seq[0] = seq + 1;
                c.seqKnown[0] = true;
                c.offset[0] = in;
                c.offset[1] = Math.max(0, out);
                emit(c, FerryRecord.open(micros, id, window, listener, endpoint(src, srcPort), endpoint(dst, dstPort),
                        mid, in, out));
            } else if (c != null) {
                c.seq[1] = seq + 1;
                c.seqKnown[1] = true;
            }
            return;
        }
        if (c == null) {
            c = new Conv(instance, id, window, listener);      // its SYN is not in this file (a rotated file)
            convs.put(key, c);
        }
        if (dir < 0) {
            dir = 0;
        }
        int len = end - payloadAt;
        if (len > 0) {
            long offset = c.seqKnown[dir] ? c.offset[dir] + (seq - c.seq[dir]) : c.offset[dir];
            Matcher hole = HOLE.matcher(notes);
            Matcher twice = TWICE.matcher(notes);
            if (hole.find()) {
                offset = Long.parseLong(hole.group(4));
            } else if (twice.find()) {
                offset = Long.parseLong(twice.group(2));
            }
            byte[] payload = bytes(f, payloadAt, len);
            c.seq[dir] = seq + len;
            c.seqKnown[dir] = true;
            c.offset[dir] = offset + len;
            emit(c, FerryRecord.data(micros, id, dir == 0 ? FerryRecord.INBOUND : FerryRecord.OUTBOUND, window,
                    listener, offset, payload));
        }
        if (c.ended) {
            return;
        }
        long[] ends = {c.offset[0], c.offset[1]};
        Matcher missing = MISSING.matcher(notes);
        while (missing.find()) {
            ends["inbound".equals(missing.group(1)) ? 0 : 1] = Long.parseLong(missing.group(3));
        }
        if ((tcpFlags & TcpSynthesizer.FIN) != 0 && dir == 0) {
            c.ended = true;
            convs.remove(key);
            emit(c, FerryRecord.close(micros, id, window, listener, ends[0], ends[1]));
        } else if ((tcpFlags & TcpSynthesizer.RST) != 0) {
            c.ended = true;
            convs.remove(key);
            Matcher t = TRUNC.matcher(notes);
            Matcher a = ABANDON.matcher(notes);
            if (t.find()) {
                emit(c, FerryRecord.truncated(micros, id, FerryRecord.NONE, window, listener,
                        Long.parseLong(t.group(1)), ends[0], ends[1]));
            } else if (a.find()) {
                emit(c, FerryRecord.abandoned(micros, id, window, listener, ends[0], ends[1], a.group(1).trim()));
            } else if (!notes.contains("open when the dump ends")) {
                emit(c, FerryRecord.abandoned(micros, id, window, listener, ends[0], ends[1], "reset"));
            }
        }
    }

    private void emit(Conv c, FerryRecord r) {
        ready.add(new Read(c.instance, r));
    }

    private static byte[] bytes(ByteBuffer f, int at, int len) {
        byte[] out = new byte[len];
        f.get(at, out);
        return out;
    }

    private static Endpoint endpoint(byte[] address, int port) {
        try {
            return Endpoint.of(new InetSocketAddress(InetAddress.getByAddress(address), port));
        } catch (UnknownHostException e) {
            return Endpoint.UNKNOWN_ENDPOINT;
        }
    }

    private int readFully(byte[] b) throws IOException {
        return readFully(b, 0, b.length);
    }

    private int readFully(byte[] b, int off, int n) throws IOException {
        int want = (int) Math.max(0, Math.min(n, length - pos));
        int got = in.readNBytes(b, off, want);
        pos += got;
        return got;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
