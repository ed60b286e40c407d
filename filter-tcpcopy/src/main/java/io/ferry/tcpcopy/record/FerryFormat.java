package io.ferry.tcpcopy.record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The Ferry dump file format, version 1.0 (specified in docs/dump-format.md). All integers are big-endian.
 *
 * <pre>
 * file    = header record*
 * header  = magic "FERRYDMP" (8) | major u16 = 1 | minor u16 = 0 | header_len u32 = 16
 * record  = body_len u32 | crc32(body) u32 | body
 * body    = type u8 | direction u8 | flags u16 = 0 | time_us i64 | connection_id i64
 *           | window_len u16 | window UTF-8 | listener_len u16 | listener UTF-8 | type-specific rest
 * </pre>
 * Encoding is stateless and thread-safe; the writer thread calls {@link #encode} for each record.
 */
public final class FerryFormat {

    /** The file written next to Layotto's files with {@code "format": "ferry"}; rotated as {@code .1}, {@code .2}, … */
    public static final String FILE = "dump_tcp_copy.ferry";
    public static final byte[] MAGIC = "FERRYDMP".getBytes(StandardCharsets.US_ASCII);
    public static final int MAJOR = 1;
    public static final int MINOR = 0;
    public static final int HEADER_LEN = 16;
    /** Fixed part of a body: type, direction, flags, time, connection id. */
    static final int FIXED = 1 + 1 + 2 + 8 + 8;
    /** Record frame: body length and CRC. */
    public static final int FRAME = 8;
    /** Readers treat a larger body length as corruption. */
    public static final int MAX_BODY = 256 << 20;
    /** Window ids and listener names longer than this are cut (u16 length). */
    static final int MAX_STRING = 0xffff;

    private FerryFormat() {
    }

    /** The 16-byte file header. */
    public static byte[] header() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LEN);
        b.put(MAGIC).putShort((short) MAJOR).putShort((short) MINOR).putInt(HEADER_LEN);
        return b.array();
    }

    /** The complete record (frame and body), ready to append. */
    public static byte[] encode(FerryRecord r) {
        byte[] window = utf8(r.window());
        byte[] listener = utf8(r.listener());
        int rest = switch (r.type()) {
            case FerryRecord.OPEN -> r.remote().encodedSize() + r.local().encodedSize();
            case FerryRecord.TRUNCATED -> 8;
            case FerryRecord.DROPPED -> 8 + r.payload().length;
            case FerryRecord.CLOSE -> 0;
            default -> r.payload().length;
        };
        int bodyLen = FIXED + 2 + window.length + 2 + listener.length + rest;
        ByteBuffer b = ByteBuffer.allocate(FRAME + bodyLen);
        b.putInt(bodyLen).putInt(0);
        b.put((byte) r.type()).put((byte) r.direction()).putShort((short) 0)
                .putLong(r.timeMicros()).putLong(r.connectionId());
        b.putShort((short) window.length).put(window).putShort((short) listener.length).put(listener);
        switch (r.type()) {
            case FerryRecord.OPEN -> {
                putEndpoint(b, r.remote());
                putEndpoint(b, r.local());
            }
            case FerryRecord.TRUNCATED -> b.putLong(r.value());
            case FerryRecord.DROPPED -> b.putLong(r.value()).put(r.payload());
            case FerryRecord.CLOSE -> {
            }
            default -> b.put(r.payload());
        }
        byte[] out = b.array();
        CRC32 crc = new CRC32();
        crc.update(out, FRAME, bodyLen);
        ByteBuffer.wrap(out).putInt(4, (int) crc.getValue());
        return out;
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

    private static byte[] utf8(String s) {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_STRING) {
            return java.util.Arrays.copyOf(b, MAX_STRING);
        }
        return b;
    }

    /** Decodes one body (without frame); {@code body} must be exactly the body bytes. */
    static FerryRecord decode(byte[] body) {
        ByteBuffer b = ByteBuffer.wrap(body);
        int type = b.get() & 0xff;
        int direction = b.get() & 0xff;
        b.getShort();
        long time = b.getLong();
        long conn = b.getLong();
        String window = string(b);
        String listener = string(b);
        Endpoint remote = Endpoint.UNKNOWN_ENDPOINT;
        Endpoint local = Endpoint.UNKNOWN_ENDPOINT;
        long value = 0;
        byte[] payload = new byte[0];
        switch (type) {
            case FerryRecord.OPEN -> {
                remote = endpoint(b);
                local = endpoint(b);
            }
            case FerryRecord.TRUNCATED -> value = b.getLong();
            case FerryRecord.DROPPED -> {
                value = b.getLong();
                payload = rest(b);
            }
            case FerryRecord.CLOSE -> {
            }
            default -> payload = rest(b);
        }
        return new FerryRecord(type, direction, time, conn, window, listener, remote, local, payload, value);
    }

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
            default -> Endpoint.UNKNOWN_ENDPOINT;
        };
    }
}
