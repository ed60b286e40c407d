package io.ferry.dump.tools;

import io.ferry.dump.format.FerryRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code ferry dump replay}: re-sends each captured connection's client bytes ({@code inbound} records) to a target
 * over a connection of its own, all connections concurrently, reads what the target answers and compares it with the
 * captured {@code outbound} bytes (bypass verification).
 *
 * <h2>What can be verified</h2>
 * Only a {@code complete} capture (see {@link Capture.Status}) is compared: every byte of both directions from the
 * connection's start to its close. Any other capture is still replayed, but reported as {@code not verified} with its
 * status ({@code truncated at N B}, {@code abandoned at N B: rate_limit}, {@code incomplete: ... missing},
 * {@code mid-stream start}, ...), never as a mismatch; the detail says whether the part that was captured agrees. A
 * dump that records no outbound bytes ({@code "directions": "inbound"}, as its OPEN record says) and a Layotto
 * {@code dump_tcp_copy.log} (no direction at all: with {@code "directions": "both"} its lines mix the server's bytes
 * with the client's, and all are sent) cannot be verified either, and the report says which it is.
 * {@link #report} returns 0 when every connection that could be verified matched and all could be, {@link #UNVERIFIED}
 * when every one that could be verified matched but some could not be, 1 on any mismatch or failure.
 *
 * <h2>Order and pacing</h2>
 * Within a connection the records are sent in capture order. Unless the speed is {@code max}, each record is sent
 * when its capture time, measured from the first record of the whole dump and divided by the speed factor, has
 * elapsed, so connections also start in their original relative order. After its last record a connection shuts
 * down its write side (TCP half-close) and reads until the target closes or nothing arrives for the idle timeout.
 *
 * <h2>Threading</h2>
 * One thread per connection, each driving its own non-blocking {@link SocketChannel} through its own
 * {@link Selector}: reading and writing interleave, so a target that answers while the request is still being sent
 * never blocks the replay.
 */
public final class Replay {

    /** Replay settings; {@code speed} 0 means as fast as possible, {@code connections} empty means all. */
    public record Options(InetSocketAddress target, double speed, Set<Long> connections, long idleTimeoutMillis,
                          long connectTimeoutMillis) {
    }

    /** Exit code of {@link #report} when every verifiable connection matched but some could not be verified. */
    public static final int UNVERIFIED = 3;

    public enum Status {
        MATCHED("matched"),
        MISMATCHED("MISMATCH"),
        /** The capture is not complete: truncated, abandoned, incomplete, mid-stream, open when the dump ends. */
        NOT_VERIFIED("not verified"),
        /** The dump records no response to compare with (inbound only, or a Layotto line dump). */
        NO_OUTBOUND("not verified"),
        FAILED("FAILED");

        private final String text;

        Status(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * The outcome for one connection: its displayed id and its key ({@code INSTANCE/ID}, or {@code ""} unless the
     * dump holds several instances, whose connections are renumbered).
     */
    public record Result(long connection, String key, long sent, long received, Status status, String detail) {
    }

    private Replay() {
    }

    /** Replays the selected connections and waits for all of them. */
    public static List<Result> run(Capture capture, Options o) throws InterruptedException {
        List<Capture.Conn> selected = new ArrayList<>();
        for (Capture.Conn c : capture.connections().values()) {
            if (o.connections().isEmpty() || o.connections().contains(c.id)) {
                selected.add(c);
            }
        }
        long origin = Long.MAX_VALUE;
        for (Capture.Conn c : selected) {
            origin = Math.min(origin, c.firstMicros);
        }
        long startNanos = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, selected.size()), r -> {
            Thread t = new Thread(r, "ferry-replay");
            t.setDaemon(true);
            return t;
        });
        List<Future<Result>> futures = new ArrayList<>();
        long base = origin;
        for (Capture.Conn c : selected) {
            futures.add(pool.submit(() -> replay(c, o, base, startNanos)));
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                results.add(futures.get(i).get());
            } catch (ExecutionException e) {
                results.add(new Result(selected.get(i).id, key(selected.get(i)), 0, 0, Status.FAILED, String.valueOf(e.getCause())));
            }
        }
        pool.shutdownNow();
        if (!capture.renumbered()) {     // one instance: the displayed ids are the dump's own, no key needed
            results.replaceAll(r -> new Result(r.connection(), "", r.sent(), r.received(), r.status(), r.detail()));
        }
        return results;
    }

    private static Result replay(Capture.Conn c, Options o, long originMicros, long startNanos) {
        List<FerryRecord> inbound = new ArrayList<>();
        for (FerryRecord r : c.data) {
            if (r.direction() != FerryRecord.OUTBOUND) {
                inbound.add(r);
            }
        }
        byte[] expected = c.bytes(FerryRecord.OUTBOUND);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        long sent = 0;
        try (SocketChannel ch = SocketChannel.open(); Selector sel = Selector.open()) {
            waitUntil(c.firstMicros, originMicros, startNanos, o.speed());
            ch.configureBlocking(false);
            ch.connect(o.target());
            SelectionKey key = ch.register(sel, SelectionKey.OP_CONNECT);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.connectTimeoutMillis());
            while (!ch.finishConnect()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("connect to " + o.target() + " timed out after " + o.connectTimeoutMillis() + " ms");
                }
                sel.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                sel.selectedKeys().clear();
            }
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            boolean eof = false;
            for (FerryRecord r : inbound) {
                ByteBuffer out = ByteBuffer.wrap(r.payload());
                long due = dueNanos(r.timeMicros(), originMicros, startNanos, o.speed());
                // wait for the record's time, reading whatever the target sends meanwhile
                while (!eof && System.nanoTime() < due) {
                    key.interestOps(SelectionKey.OP_READ);
                    sel.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime())));
                    sel.selectedKeys().clear();
                    eof = drain(ch, in, received);
                }
                while (out.hasRemaining()) {
                    ch.write(out);
                    if (out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                        sel.select(1000);
                        sel.selectedKeys().clear();
                        if (!eof) {
                            eof = drain(ch, in, received);
                        }
                    }
                }
                sent += r.payload().length;
            }
            ch.shutdownOutput();
            key.interestOps(SelectionKey.OP_READ);
            long idleDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.idleTimeoutMillis());
            while (!eof) {
                long left = idleDeadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                sel.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                sel.selectedKeys().clear();
                int before = received.size();
                eof = drain(ch, in, received);
                if (received.size() > before) {
                    idleDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.idleTimeoutMillis());
                }
            }
        } catch (IOException e) {
            return new Result(c.id, key(c), sent, received.size(), Status.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(c.id, key(c), sent, received.size(), Status.FAILED, "interrupted");
        }
        return compare(c, sent, received.toByteArray(), expected);
    }

    /** Reads what is available; true at end of stream. */
    private static boolean drain(SocketChannel ch, ByteBuffer in, ByteArrayOutputStream received) throws IOException {
        while (true) {
            in.clear();
            int n = ch.read(in);
            if (n < 0) {
                return true;
            }
            if (n == 0) {
                return false;
            }
            received.write(in.array(), 0, n);
        }
    }

    static Result compare(Capture.Conn c, long sent, byte[] got, byte[] expected) {
        Capture.Status status = c.status();
        if (status.end() == Capture.End.UNKNOWN) {
            return new Result(c.id, key(c), sent, got.length, Status.NO_OUTBOUND, "a Layotto dump_tcp_copy.log "
                    + "records no direction: there is no response to compare with, and every line was sent as the "
                    + "client's");
        }
        if (!c.recorded(FerryRecord.OUTBOUND)) {
            return new Result(c.id, key(c), sent, got.length, Status.NO_OUTBOUND,
                    (status.complete() ? "" : status.text() + "; ") + (c.openSeen
                    ? "the dump records no outbound bytes: its OPEN record marks outbound as not captured "
                    + "(\"directions\": \"inbound\")"
                    : "the dump holds no outbound bytes and no OPEN record to say whether they were captured"));
        }
        int n = Math.min(got.length, expected.length);
        int diff = -1;
        for (int i = 0; i < n; i++) {
            if (got[i] != expected[i]) {
                diff = i;
                break;
            }
        }
        if (!status.complete()) {
            String part = diff >= 0 ? String.format("the captured response differs at byte %d: expected 0x%02x, got "
                    + "0x%02x", diff, expected[diff] & 0xff, got[diff] & 0xff)
                    : expected.length == 0 ? "no response bytes were captured to compare with"
                    : got.length >= expected.length ? "the " + expected.length + " bytes of response captured match"
                    : "the response is shorter than the " + expected.length + " bytes captured: " + got.length + " B";
            return new Result(c.id, key(c), sent, got.length, Status.NOT_VERIFIED, status.text() + "; " + part);
        }
        if (diff >= 0) {
            return new Result(c.id, key(c), sent, got.length, Status.MISMATCHED, String.format(
                    "first difference at byte %d: expected 0x%02x, got 0x%02x", diff, expected[diff] & 0xff,
                    got[diff] & 0xff));
        }
        if (got.length == expected.length) {
            return new Result(c.id, key(c), sent, got.length, Status.MATCHED, "");
        }
        return new Result(c.id, key(c), sent, got.length, Status.MISMATCHED, got.length < expected.length
                ? "response shorter than captured: " + got.length + " of " + expected.length + " bytes"
                : "response longer than captured: " + got.length + " bytes, captured " + expected.length);
    }

    private static String key(Capture.Conn c) {
        return c.instance.isEmpty() ? "" : c.key();
    }

    private static long dueNanos(long timeMicros, long originMicros, long startNanos, double speed) {
        if (speed <= 0) {
            return startNanos;
        }
        return startNanos + (long) ((timeMicros - originMicros) * 1000.0 / speed);
    }

    private static void waitUntil(long timeMicros, long originMicros, long startNanos, double speed)
            throws InterruptedException {
        long left = dueNanos(timeMicros, originMicros, startNanos, speed) - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /**
     * Prints, first, what the dump cannot verify (a Layotto log, an inbound-only dump), then one line per connection
     * and a summary; returns the exit code: 1 if a connection mismatched or failed, else {@link #UNVERIFIED} if some
     * could not be verified, else 0.
     */
    public static int report(List<Result> results, InetSocketAddress target, PrintStream out) {
        int matched = 0;
        int unverified = 0;
        List<Long> mismatched = new ArrayList<>();
        List<Long> failed = new ArrayList<>();
        for (Result r : results) {
            out.printf("connection %d%s: sent %d B, received %d B, %s%s%n", r.connection(),
                    r.key().isEmpty() ? "" : " (" + r.key() + ")", r.sent(), r.received(),
                    r.status().text(), r.detail().isEmpty() ? "" : " (" + r.detail() + ")");
            switch (r.status()) {
                case MATCHED -> matched++;
                case NOT_VERIFIED, NO_OUTBOUND -> unverified++;
                case MISMATCHED -> mismatched.add(r.connection());
                case FAILED -> failed.add(r.connection());
            }
        }
        out.printf("replayed %d connections to %s: %d matched, %d not verified, %d mismatched%s, %d failed%s%n",
                results.size(), target.getHostString() + ":" + target.getPort(), matched, unverified,
                mismatched.size(), mismatched.isEmpty() ? "" : " " + mismatched, failed.size(),
                failed.isEmpty() ? "" : " " + failed);
        if (!mismatched.isEmpty() || !failed.isEmpty()) {
            return 1;
        }
        return unverified > 0 ? UNVERIFIED : 0;
    }

    /**
     * What to say before replaying {@code capture}, or null: a Layotto log has no direction (all its lines are sent
     * as the client's, server replies included if it was written with {@code "directions": "both"}).
     */
    public static String warning(Capture capture) {
        if ("layotto".equals(capture.format())) {
            return "note: " + capture.source() + " is a Layotto dump_tcp_copy.log: it records no direction and no "
                    + "connection, so each (port, window) is replayed as one connection sending every line as the "
                    + "client's bytes (if it was written with \"directions\": \"both\", the server's replies are "
                    + "among them), and no response can be verified";
        }
        return null;
    }
}
