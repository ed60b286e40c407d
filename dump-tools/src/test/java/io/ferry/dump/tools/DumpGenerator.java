package io.ferry.dump.tools;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.format.LayottoFormat;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Random;

/**
 * Writes synthetic dumps of a given shape, streaming (memory independent of their size), for the tools' tests and
 * for the figures in dump-tools/README.md. Deterministic: the same arguments give the same bytes.
 *
 * <pre>
 * java -cp dump-format/target/classes:dump-tools/target/test-classes io.ferry.dump.tools.DumpGenerator KIND N FILE [BYTES]
 *   tiny N FILE [B]      N complete echo connections of B bytes each way (default 1), one after the other
 *   big MB FILE          20 complete connections, DATA records of 64 KiB, about MB megabytes in all
 *   layotto N FILE       a Layotto dump_tcp_copy.log of N windows, 2 lines each
 *   layotto-big MB FILE  a Layotto dump_tcp_copy.log of about MB megabytes: 20 windows, lines of 1 KiB
 *   interleaved N FILE   N connections, 2 requests each, 64 connections open at a time, records interleaved
 * </pre>
 * Connections are 1 ms apart in capture time, records 10 µs apart within a connection.
 */
public final class DumpGenerator {

    static final long T0 = 1_800_000_000_000_000L;
    static final String INSTANCE = "gen/1/00000001";
    static final String WINDOW = "w1";
    static final String LISTENER = "l";

    private DumpGenerator() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: DumpGenerator tiny|big|layotto|interleaved N FILE [BYTES]");
            System.exit(2);
        }
        long n = Long.parseLong(args[1]);
        Path file = Path.of(args[2]);
        long t = System.nanoTime();
        switch (args[0]) {
            case "tiny" -> tiny(file, n, args.length > 3 ? Integer.parseInt(args[3]) : 1);
            case "big" -> big(file, n << 20);
            case "layotto" -> layotto(file, n);
            case "layotto-big" -> layottoBig(file, n << 20);
            case "interleaved" -> interleaved(file, n, 64, 2);
            default -> {
                System.err.println("unknown kind " + args[0]);
                System.exit(2);
            }
        }
        System.out.printf("wrote %s: %d bytes in %.1f s%n", file, Files.size(file), (System.nanoTime() - t) / 1e9);
    }

    static Endpoint ip(int port) {
        return Endpoint.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** {@code n} complete echo connections of {@code bytes} bytes each way, one after the other. */
    public static Path tiny(Path file, long n, int bytes) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(FerryFormat.header(INSTANCE));
            for (long id = 1; id <= n; id++) {
                long t = T0 + id * 1000;
                byte[] p = payload(id, bytes);
                out.write(FerryFormat.encode(FerryRecord.open(t, id, WINDOW, LISTENER, ip(10000 + (int) (id % 50000)),
                        ip(2045), false, 0, 0)));
                out.write(FerryFormat.encode(FerryRecord.data(t + 10, id, FerryRecord.INBOUND, WINDOW, LISTENER, 0, p)));
                out.write(FerryFormat.encode(FerryRecord.data(t + 20, id, FerryRecord.OUTBOUND, WINDOW, LISTENER, 0, p)));
                out.write(FerryFormat.encode(FerryRecord.close(t + 30, id, WINDOW, LISTENER, p.length, p.length)));
            }
        }
        return file;
    }

    /** 20 complete connections of DATA records of 64 KiB, {@code total} bytes in all (about). */
    public static Path big(Path file, long total) throws IOException {
        int conns = 20;
        int chunk = 64 * 1024;
        long perConn = Math.max(1, total / conns / chunk / 2);
        Random rnd = new Random(1);
        byte[] p = new byte[chunk];
        rnd.nextBytes(p);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(FerryFormat.header(INSTANCE));
            long t = T0;
            for (long id = 1; id <= conns; id++) {
                out.write(FerryFormat.encode(FerryRecord.open(t += 10, id, WINDOW, LISTENER, ip(40000 + (int) id),
                        ip(2045), false, 0, 0)));
            }
            for (long k = 0; k < perConn; k++) {
                for (long id = 1; id <= conns; id++) {
                    out.write(FerryFormat.encode(FerryRecord.data(t += 10, id, FerryRecord.INBOUND, WINDOW, LISTENER,
                            k * chunk, p)));
                    out.write(FerryFormat.encode(FerryRecord.data(t += 10, id, FerryRecord.OUTBOUND, WINDOW, LISTENER,
                            k * chunk, p)));
                }
            }
            for (long id = 1; id <= conns; id++) {
                out.write(FerryFormat.encode(FerryRecord.close(t += 10, id, WINDOW, LISTENER, perConn * chunk,
                        perConn * chunk)));
            }
        }
        return file;
    }

    /** A Layotto {@code dump_tcp_copy.log} of {@code windows} windows of two lines each. */
    public static Path layotto(Path file, long windows) throws IOException {
        ZoneId zone = ZoneId.of("UTC");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (long w = 1; w <= windows; w++) {
                for (int line = 0; line < 2; line++) {
                    StringBuilder sb = new StringBuilder();
                    LayottoFormat.prefix(sb, T0 / 1000 + w * 10 + line, zone);
                    byte[] p = payload(w, 4);
                    byte[] hex = new byte[p.length * 3];
                    int len = LayottoFormat.hex(p, hex, 0);
                    sb.append('[').append(String.format("%08x-window", w)).append("][2045]")
                            .append(new String(hex, 0, len, StandardCharsets.US_ASCII)).append('\n');
                    out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
        return file;
    }

    /** A Layotto {@code dump_tcp_copy.log} of about {@code total} bytes: 20 windows, lines of 1 KiB of payload. */
    public static Path layottoBig(Path file, long total) throws IOException {
        ZoneId zone = ZoneId.of("UTC");
        byte[] p = payload(7, 1024);
        byte[] hex = new byte[p.length * 3];
        int len = LayottoFormat.hex(p, hex, 0);
        long written = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (long line = 0; written < total; line++) {
                StringBuilder sb = new StringBuilder();
                LayottoFormat.prefix(sb, T0 / 1000 + line, zone);
                sb.append('[').append(String.format("%08x-window", line % 20)).append("][2045]");
                byte[] head = sb.toString().getBytes(StandardCharsets.US_ASCII);
                out.write(head);
                out.write(hex, 0, len);
                out.write('\n');
                written += head.length + len + 1;
            }
        }
        return file;
    }

    /**
     * {@code n} complete echo connections of {@code requests} request/response pairs (16 bytes each), {@code open}
     * connections at a time, their records interleaved as a proxy writes them.
     */
    public static Path interleaved(Path file, long n, int open, int requests) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(FerryFormat.header(INSTANCE));
            long t = T0;
            for (long base = 1; base <= n; base += open) {
                long last = Math.min(n, base + open - 1);
                for (long id = base; id <= last; id++) {
                    out.write(FerryFormat.encode(FerryRecord.open(t += 10, id, WINDOW, LISTENER,
                            ip(10000 + (int) (id % 50000)), ip(2045), false, 0, 0)));
                }
                for (int k = 0; k < requests; k++) {
                    for (long id = base; id <= last; id++) {
                        byte[] p = payload(id * 31 + k, 16);
                        out.write(FerryFormat.encode(FerryRecord.data(t += 10, id, FerryRecord.INBOUND, WINDOW,
                                LISTENER, k * 16L, p)));
                        out.write(FerryFormat.encode(FerryRecord.data(t += 10, id, FerryRecord.OUTBOUND, WINDOW,
                                LISTENER, k * 16L, p)));
                    }
                }
                for (long id = base; id <= last; id++) {
                    out.write(FerryFormat.encode(FerryRecord.close(t += 10, id, WINDOW, LISTENER, requests * 16L,
                            requests * 16L)));
                }
                t += 1000;
            }
        }
        return file;
    }

    static byte[] payload(long seed, int n) {
        byte[] b = new byte[n];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }
}
