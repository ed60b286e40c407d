package io.ferry.dump.tools;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds format 2 dumps for the tools' tests the way the writer must write them: records of several connections
 * interleaved in call order, each DATA record at the stream offset its direction has reached, end records with the
 * offsets reached (holes are made on purpose with {@link Conn#skip}).
 */
public final class TestDumps {

    public static final long T0 = 1_800_000_000_000_000L;
    public static final Endpoint PROXY = ip(2045);

    private final List<FerryRecord> records = new ArrayList<>();
    private long time = T0;

    public static Endpoint ip(int port) {
        return Endpoint.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** The records so far, in call order. */
    public List<FerryRecord> records() {
        return records;
    }

    /** The next capture time (1 ms after the previous one). */
    public long tick() {
        return time += 1000;
    }

    public Conn conn(long id, String window, String listener, int clientPort) {
        return new Conn(id, window, listener, ip(clientPort));
    }

    public TestDumps refused(String window, String listener, String reason, long count) {
        records.add(FerryRecord.refused(tick(), window, listener, reason, count));
        return this;
    }

    public TestDumps dropped(String window, String listener, String reason, long count) {
        records.add(FerryRecord.dropped(tick(), window, listener, reason, count));
        return this;
    }

    /** A Ferry file of {@code records} written by {@code instance}. */
    public static byte[] file(String instance, List<FerryRecord> records) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(FerryFormat.header(instance));
        records.forEach(r -> b.writeBytes(FerryFormat.encode(r)));
        return b.toByteArray();
    }

    public static Path write(Path file, String instance, List<FerryRecord> records) throws IOException {
        Files.write(file, file(instance, records));
        return file;
    }

    /** One connection's records. */
    public final class Conn {
        public final long id;
        final String window;
        final String listener;
        final Endpoint client;
        /** Stream offsets reached, inbound and outbound (NOT_CAPTURED if not recorded). */
        public final long[] at = {0, 0};
        public final ByteArrayOutputStream in = new ByteArrayOutputStream();
        public final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Conn(long id, String window, String listener, Endpoint client) {
            this.id = id;
            this.window = window;
            this.listener = listener;
            this.client = client;
        }

        public Conn open() {
            return open(false, 0, 0);
        }

        /** OPEN; a {@code midStream} capture starts at these offsets; outbound NOT_CAPTURED: inbound only. */
        public Conn open(boolean midStream, long inbound, long outbound) {
            at[0] = inbound;
            at[1] = outbound;
            records.add(FerryRecord.open(tick(), id, window, listener, client, PROXY, midStream, inbound, outbound));
            return this;
        }

        public Conn in(byte[] p) {
            return data(FerryRecord.INBOUND, p);
        }

        public Conn out(byte[] p) {
            return data(FerryRecord.OUTBOUND, p);
        }

        public Conn data(int direction, byte[] p) {
            int d = direction - 1;
            records.add(FerryRecord.data(tick(), id, direction, window, listener, Math.max(0, at[d]), p));
            at[d] = Math.max(0, at[d]) + p.length;
            (d == 0 ? in : out).writeBytes(p);
            return this;
        }

        /** {@code n} bytes of {@code direction} that the dump does not hold (a hole). */
        public Conn skip(int direction, long n) {
            at[direction - 1] += n;
            return this;
        }

        public Conn close() {
            records.add(FerryRecord.close(tick(), id, window, listener, at[0], at[1]));
            return this;
        }

        /** CLOSE with these totals (more than captured: records missing at the end). */
        public Conn close(long inbound, long outbound) {
            records.add(FerryRecord.close(tick(), id, window, listener, inbound, outbound));
            return this;
        }

        public Conn truncated(long budget) {
            records.add(FerryRecord.truncated(tick(), id, FerryRecord.NONE, window, listener, budget, at[0], at[1]));
            return this;
        }

        public Conn abandoned(String reason) {
            return abandoned(reason, at[0], at[1]);
        }

        public Conn abandoned(String reason, long inbound, long outbound) {
            records.add(FerryRecord.abandoned(tick(), id, window, listener, inbound, outbound, reason));
            return this;
        }
    }

    /** {@code n} bytes of a pattern that names the connection and the offset, so misplaced bytes show. */
    public static byte[] bytes(String tag, int n) {
        byte[] b = new byte[n];
        byte[] t = (tag + ";").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < n; i++) {
            b[i] = t[i % t.length];
        }
        return b;
    }
}
