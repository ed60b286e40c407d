package io.ferry.dump.format.pcapng;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes a pcapng file (draft-tuexen-opsawg-pcapng): one Section Header Block, one Interface Description Block
 * ({@code LINKTYPE_ETHERNET}, snap length 0 = unlimited, {@code if_name}, microsecond timestamps), then Enhanced
 * Packet Blocks with {@code epb_flags} (direction) and {@code opt_comment}. Little-endian, as the SHB's byte-order
 * magic says. Each block is written whole, so a file cut short still opens up to its last complete packet.
 * Not thread-safe.
 */
public final class PcapngWriter implements AutoCloseable {

    public static final int LINKTYPE_ETHERNET = 1;
    /** {@code epb_flags} direction bits. */
    public static final int INBOUND = 1;
    public static final int OUTBOUND = 2;

    /** The interface name written in the IDB. */
    public static final String INTERFACE_NAME = "ferry";
    /** The live writer's file, rotated like the other dump files; every file starts with {@link #fileHeader()}. */
    public static final String FILE = "dump_tcp_copy.pcapng";

    private final OutputStream out;

    /** The SHB and IDB that start every pcapng file Ferry writes. */
    public static byte[] fileHeader() {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try {
            new PcapngWriter(b, INTERFACE_NAME, true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /**
     * A writer on {@code out}; with {@code writeHeader} it first writes the SHB and IDB, otherwise the caller has
     * (the live writer puts {@link #fileHeader()} at the start of each rotated file).
     */
    public PcapngWriter(OutputStream out, String interfaceName, boolean writeHeader) throws IOException {
        this.out = out;
        if (!writeHeader) {
            return;
        }
        // SHB: byte-order magic, version 1.0, section length -1 (unknown), shb_userappl option
        ByteBuffer shb = body(32 + 64);
        shb.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L);
        option(shb, 4, "Ferry dump pcap".getBytes(StandardCharsets.UTF_8));
        endOptions(shb);
        block(0x0A0D0D0A, shb);
        ByteBuffer idb = body(16 + 8 + interfaceName.length() * 4 + 8);
        idb.putShort((short) LINKTYPE_ETHERNET).putShort((short) 0).putInt(0);
        option(idb, 2, interfaceName.getBytes(StandardCharsets.UTF_8));
        option(idb, 9, new byte[] {6});
        endOptions(idb);
        block(1, idb);
    }

    /**
     * One Enhanced Packet Block on interface 0.
     *
     * @param timeMicros microseconds since the epoch
     * @param frame      the whole Ethernet frame
     * @param flags      {@link #INBOUND} or {@link #OUTBOUND}
     * @param comment    an {@code opt_comment}, or {@code null}
     */
    public void packet(long timeMicros, byte[] frame, int flags, String comment) throws IOException {
        byte[] c = comment == null ? null : comment.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = body(20 + pad(frame.length) + 8 + (c == null ? 0 : 4 + pad(c.length)) + 4);
        b.putInt(0).putInt((int) (timeMicros >>> 32)).putInt((int) timeMicros).putInt(frame.length).putInt(frame.length);
        b.put(frame);
        padTo4(b);
        b.putShort((short) 2).putShort((short) 4).putInt(flags);
        if (c != null) {
            option(b, 1, c);
        }
        endOptions(b);
        block(6, b);
    }

    private static ByteBuffer body(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int pad(int n) {
        return (n + 3) & ~3;
    }

    private static void padTo4(ByteBuffer b) {
        while ((b.position() & 3) != 0) {
            b.put((byte) 0);
        }
    }

    private static void option(ByteBuffer b, int code, byte[] value) {
        b.putShort((short) code).putShort((short) value.length).put(value);
        padTo4(b);
    }

    private static void endOptions(ByteBuffer b) {
        b.putShort((short) 0).putShort((short) 0);
    }

    private void block(int type, ByteBuffer body) throws IOException {
        int bodyLen = body.position();
        int total = 12 + bodyLen;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(total).put(body.array(), 0, bodyLen).putInt(total);
        out.write(b.array());
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
