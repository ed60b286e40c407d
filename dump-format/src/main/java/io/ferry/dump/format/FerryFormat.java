package io.ferry.dump.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The Ferry dump file format, version 2.0 (specified in docs/dump-format.md). All integers are big-endian.
 *
 * <pre>
 * file    = header record*
 * header  = magic "FERRYDMP" (8) | major u16 = 2 | minor u16 = 0 | header_len u32 | instance_len u16 | instance UTF-8
 * record  = sync u16 = 0xF7DC | body_len u32 | crc32(body_len bytes, body) u32 | body
 * body    = type u8 | direction u8 | flags u16 | time_us i64 | connection_id i64
 *           | window_len u16 | window UTF-8 | listener_len u16 | listener UTF-8 | type-specific rest
 * </pre>
 * Encoding is stateless and thread-safe.
 */
public final class FerryFormat {

    /** The file written next to Layotto's files with {@code "format": "ferry"}; rotated as {@code .1}, {@code .2}, … */
    public static final String FILE = "dump_tcp_copy.ferry";
    public static final byte[] MAGIC = "FERRYDMP".getBytes(StandardCharsets.US_ASCII);
    public static final int MAJOR = 2;
    public static final int MINOR = 0;
    /** The fixed part of the header: magic, versions, header length, instance length. */
    public static final int HEADER_FIXED = 8 + 2 + 2 + 4 + 2;
    /** The two bytes every record starts with, so that a reader can find the next record after damage. */
    public static final int SYNC = 0xF7DC;
    /** Record frame: sync, body length and CRC. */
    public static final int FRAME = 2 + 4 + 4;
    /** Fixed part of a body: type, direction, flags, time, connection id. */
    public static final int FIXED = 1 + 1 + 2 + 8 + 8;
    /** The smallest body: the fixed part and two empty strings. */
    public static final int MIN_BODY = FIXED + 4;
    /** Readers treat a larger body length as damage. */
    public static final int MAX_BODY = 64 << 20;
    /** Window ids, listener names and instance ids longer than this are cut (u16 length). */
    static final int MAX_STRING = 0xffff;

    private FerryFormat() {
    }

    /** The file header of a file written by proxy instance {@code instance}. */
    public static byte[] header(String instance) {
        byte[] id = utf8(instance);
        ByteBuffer b = ByteBuffer.allocate(HEADER_FIXED + id.length);
        b.put(MAGIC).putShort((short) MAJOR).putShort((short) MINOR).putInt(HEADER_FIXED + id.length)
                .putShort((short) id.length).put(id);
        return b.array();
    }

    /** The complete record (frame and body), ready to append. */
    public static byte[] encode(FerryRecord r) {
        byte[] window = utf8(r.window());
        byte[] listener = utf8(r.listener());
        int rest = switch (r.type()) {
            case FerryRecord.OPEN -> r.remote().encodedSize() + r.local().encodedSize() + 16;
            case FerryRecord.DATA -> 8 + r.payload().length;
            case FerryRecord.CLOSE -> 16;
            case FerryRecord.TRUNCATED -> 24;
            case FerryRecord.DROPPED, FerryRecord.REFUSED -> 8 + r.payload().length;
            case FerryRecord.ABANDONED -> 16 + r.payload().length;
            default -> r.payload().length;
        };
        int bodyLen = FIXED + 2 + window.length + 2 + listener.length + rest;
        ByteBuffer b = ByteBuffer.allocate(FRAME + bodyLen);
        b.putShort((short) SYNC).putInt(bodyLen).putInt(0);
        b.put((byte) r.type()).put((byte) r.direction()).putShort((short) r.flags())
                .putLong(r.timeMicros()).putLong(r.connectionId());
        b.putShort((short) window.length).put(window).putShort((short) listener.length).put(listener);
        switch (r.type()) {
            case FerryRecord.OPEN -> {
                putEndpoint(b, r.remote());
                putEndpoint(b, r.local());
                b.putLong(r.inbound()).putLong(r.outbound());
            }
            case FerryRecord.DATA -> b.putLong(r.value()).put(r.payload());
            case FerryRecord.CLOSE -> b.putLong(r.inbound()).putLong(r.outbound());
            case FerryRecord.TRUNCATED -> b.putLong(r.value()).putLong(r.inbound()).putLong(r.outbound());
            case FerryRecord.DROPPED, FerryRecord.REFUSED -> b.putLong(r.value()).put(r.payload());
            case FerryRecord.ABANDONED -> b.putLong(r.inbound()).putLong(r.outbound()).put(r.payload());
            default -> b.put(r.payload());
        }
        byte[] out = b.array();
        ByteBuffer.wrap(out).putInt(6, (int) crc(out, 2, out, FRAME, bodyLen));
        return out;
    }

    /**
     * A record's CRC-32: over the 4 bytes of its body length ({@code length[lengthAt, lengthAt + 4)}) followed by its
     * body ({@code body[bodyAt, bodyAt + bodyLen)}).
     */
    public static long crc(byte[] length, int lengthAt, byte[] body, int bodyAt, int bodyLen) {
        CRC32 c = new CRC32();
        c.update(length, lengthAt, 4);
        c.update(body, bodyAt, bodyLen);
        return c.getValue();
    }

    private static void putEndpoint(ByteBuffer b, Endpoint e) {
        b.put((byte) e.family());
        switch (e.family()) {
            case Endpoint.IPV4, Endpoint.IPV6 -> b.put(e.address()).putShort((short) e.port());
            case Endpoint.UNIX -> {
                byte[] p = utf8(e.path());
                b.putShort((short) p.length).put(p);
            }
            default -> {
            }
        }
    }

    static byte[] utf8(String s) {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_STRING) {
            return java.util.Arrays.copyOf(b, MAX_STRING);
        }
        return b;
    }

    /**
     * Decodes one body (without frame).
     *
     * @throws RuntimeException (a {@link java.nio.BufferUnderflowException} or {@link IllegalArgumentException}) if
     *                          the body is shorter than its fields announce
     */
    public static FerryRecord decode(byte[] body) {
        ByteBuffer b = ByteBuffer.wrap(body);
        int type = b.get() & 0xff;
        int direction = b.get() & 0xff;
        int flags = b.getShort() & 0xffff;
        long time = b.getLong();
        long conn = b.getLong();
        String window = string(b);
        String listener = string(b);
        Endpoint remote = Endpoint.UNKNOWN_ENDPOINT;
        Endpoint local = Endpoint.UNKNOWN_ENDPOINT;
        long inbound = 0;
        long outbound = 0;
        long value = 0;
        byte[] payload = EMPTY;
        switch (type) {
            case FerryRecord.OPEN -> {
                remote = endpoint(b);
                local = endpoint(b);
                inbound = b.getLong();
                outbound = b.getLong();
            }
            case FerryRecord.DATA -> {
                value = b.getLong();
                payload = rest(b);
            }
            case FerryRecord.CLOSE -> {
                inbound = b.getLong();
                outbound = b.getLong();
            }
            case FerryRecord.TRUNCATED -> {
                value = b.getLong();
                inbound = b.getLong();
                outbound = b.getLong();
            }
            case FerryRecord.DROPPED, FerryRecord.REFUSED -> {
                value = b.getLong();
                payload = rest(b);
            }
            case FerryRecord.ABANDONED -> {
                inbound = b.getLong();
                outbound = b.getLong();
                payload = rest(b);
            }
            default -> payload = rest(b);
        }
        if (type == FerryRecord.DATA && value < 0) {
            throw new IllegalArgumentException("DATA record with negative stream offset " + value);
        }
        return new FerryRecord(type, direction, flags, time, conn, window, listener, remote, local, inbound, outbound,
                payload, value);
    }

    private static final byte[] EMPTY = new byte[0];

    private static byte[] rest(ByteBuffer b) {
        byte[] p = new byte[b.remaining()];
        b.get(p);
        return p;
    }

    private static String string(ByteBuffer b) {
        int n = b.getShort() & 0xffff;
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static Endpoint endpoint(ByteBuffer b) {
        int fam = b.get() & 0xff;
        return switch (fam) {
            case Endpoint.IPV4, Endpoint.IPV6 -> {
                byte[] a = new byte[fam == Endpoint.IPV4 ? 4 : 16];
                b.get(a);
                yield new Endpoint(fam, a, b.getShort() & 0xffff, "");
            }
            case Endpoint.UNIX -> new Endpoint(Endpoint.UNIX, new byte[0], 0, string(b));
            case Endpoint.UNKNOWN -> Endpoint.UNKNOWN_ENDPOINT;
            default -> throw new IllegalArgumentException("unknown address family " + fam);
        };
    }
}
