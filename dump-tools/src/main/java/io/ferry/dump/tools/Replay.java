package io.ferry.dump.tools;

import io.ferry.dump.format.FerryRecord;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@code ferry dump replay}: re-sends each captured connection's client bytes ({@code inbound} records) to a target
 * over a connection of its own, reads what the target answers and compares it with the captured {@code outbound}
 * bytes (bypass verification).
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
 * Connections start in the order of their first record. Unless the speed is {@code max}, a connection starts when its
 * capture time, measured from the first record of the whole dump and divided by the speed factor, has elapsed, and
 * each of its records is sent when its own capture time, measured from the connection's first record and divided by
 * the speed, has elapsed since the connection started (a connection that had to wait for a free slot keeps its own
 * pacing). Within a connection the records are sent in capture order. After its last record a connection shuts down
 * its write side (TCP half-close) and reads until the target closes or nothing arrives for the idle timeout.
 * At most {@link Options#concurrency} connections are open at once, and {@link Options#rate} limits how many start
 * per second.
 *
 * <h2>Memory and threads</h2>
 * The dump is never held in memory: a first pass ({@link Capture#scan}) keeps a summary per connection, a second one
 * copies the selected DATA records into a temporary spool file chained per connection ({@link ReplaySpool}), and each
 * open connection reads its records from there one slice ({@value #SLICE} bytes) at a time, for sending and for
 * comparing, so memory is bounded by the concurrency, not by the dump. The connections run on Netty event loops
 * ({@link Options#threads} threads, non-blocking, one channel each); the caller's thread schedules their starts.
 */
public final class Replay implements AutoCloseable {

    /** The size of the slices a connection reads from the spool, sends, and compares. */
    static final int SLICE = 32 * 1024;

    /** The default number of connections open at once (lowered to what the process may open, see {@link #fdLimit}). */
    public static final int DEFAULT_CONCURRENCY = 256;

    /** File descriptors kept free for everything else the process opens. */
    public static final int FD_MARGIN = 64;

    /**
     * Replay settings.
     *
     * @param target               where to connect
     * @param speed                pacing factor; 0 means as fast as possible
     * @param connections          displayed ids to replay; empty means all
     * @param idleTimeoutMillis    after the half-close, how long the target may stay quiet before the connection ends
     * @param connectTimeoutMillis connect timeout
     * @param concurrency          the most connections open at once
     * @param rate                 the most connection starts per second; 0 means no limit
     * @param threads              event loop threads
     */
    public record Options(InetSocketAddress target, double speed, Set<Long> connections, long idleTimeoutMillis,
                          long connectTimeoutMillis, int concurrency, double rate, int threads) {

        /** The defaults for the rest: {@link #DEFAULT_CONCURRENCY} (within the process's limit), no rate limit. */
        public Options(InetSocketAddress target, double speed, Set<Long> connections, long idleTimeoutMillis,
                       long connectTimeoutMillis) {
            this(target, speed, connections, idleTimeoutMillis, connectTimeoutMillis,
                    Math.min(DEFAULT_CONCURRENCY, fdHeadroom()), 0, defaultThreads());
        }

        /** Event loop threads by default: the processors, at most 4 (a replay is I/O bound). */
        public static int defaultThreads() {
            return Replay.defaultThreads();
        }

        public Options {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency " + concurrency + " (expected: at least 1)");
            }
        }
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
     * dump holds several instances, whose connections are renumbered); the target's latency (first byte sent to
     * first byte received) and the captured one (first inbound to first outbound record), in microseconds, -1 when
     * there is none.
     */
    public record Result(long connection, String key, long sent, long received, Status status, String detail,
                         long latencyMicros, long capturedLatencyMicros) {

        public Result(long connection, String key, long sent, long received, Status status, String detail) {
            this(connection, key, sent, received, status, detail, -1, -1);
        }

        /**
         * True for a connection {@link #stop} cut off while it was open ({@code FAILED: interrupted}): no verdict on
         * the target, so it is counted apart and does not decide the exit code.
         */
        public boolean interrupted() {
            return status == Status.FAILED && INTERRUPTED.equals(detail);
        }
    }

    /** The detail of a connection {@link #stop} cut off. */
    static final String INTERRUPTED = "interrupted";

    /** Where a pass stands, for a progress line. */
    public record Progress(int total, int done, int open, long startedNanos, long waitingUntilNanos,
                           long waitingForMicros) {
    }

    private final Capture capture;
    private final Options o;
    private final List<Capture.Conn> selected;
    private final ReplaySpool spool;
    private final EventLoopGroup group;
    private final long origin;
    private volatile Pass current;
    private volatile boolean stopped;

    private Replay(Capture capture, Options o, List<Capture.Conn> selected, ReplaySpool spool, EventLoopGroup group) {
        this.capture = capture;
        this.o = o;
        this.selected = selected;
        this.spool = spool;
        this.group = group;
        long first = Long.MAX_VALUE;
        for (Capture.Conn c : selected) {
            first = Math.min(first, c.firstMicros);
        }
        this.origin = first;
    }

    /** Prepares a replay of the selected connections of {@code capture}: spools their records, starts the event loops. */
    public static Replay prepare(Capture capture, Options o) throws IOException {
        List<Capture.Conn> selected = new ArrayList<>();
        for (Capture.Conn c : capture.connections().values()) {
            if (o.connections().isEmpty() || o.connections().contains(c.id)) {
                selected.add(c);
            }
        }
        selected.sort(Comparator.comparingLong(c -> c.firstMicros));    // stable: dump order among equal times
        Set<Capture.Conn> chosen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        chosen.addAll(selected);
        ReplaySpool spool = ReplaySpool.build(capture, chosen::contains);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, o.threads()),
                new DefaultThreadFactory("ferry-replay", true), NioIoHandler.newFactory());
        return new Replay(capture, o, selected, spool, group);
    }

    /** Replays the selected connections once and waits for all of them (compatibility: prepare, one pass, close). */
    public static List<Result> run(Capture capture, Options o) throws InterruptedException {
        try (Replay r = prepare(capture, o)) {
            return r.pass();
        } catch (IOException e) {
            List<Result> out = new ArrayList<>();
            for (Capture.Conn c : capture.connections().values()) {
                if (o.connections().isEmpty() || o.connections().contains(c.id)) {
                    out.add(new Result(c.id, key(capture, c), 0, 0, Status.FAILED, e.getMessage()));
                }
            }
            return out;
        }
    }

    /** The number of connections a pass replays. */
    public int size() {
        return selected.size();
    }

    /**
     * One pass over the selected connections, in the order of their first record; returns when all are done or
     * {@link #stop} was called (then the connections still open end as {@code FAILED: interrupted} and those not
     * started are not in the list).
     */
    public List<Result> pass() throws InterruptedException {
        Pass p = new Pass();
        current = p;
        p.run();
        return p.results();
    }

    /** Stops the pass under way (no new connection; open ones are closed and reported as interrupted). */
    public void stop() {
        stopped = true;
        Pass p = current;
        if (p != null) {
            p.stop();
        }
    }

    /** True once {@link #stop} was called. */
    public boolean stopped() {
        return stopped;
    }

    /** Where the current pass stands (null before the first). */
    public Progress progress() {
        Pass p = current;
        return p == null ? null : p.progress();
    }

    /** The results of the current pass so far, in start order (connections still open are left out). */
    public List<Result> partial() {
        Pass p = current;
        return p == null ? List.of() : p.results();
    }

    @Override
    public void close() {
        stop();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            spool.close();
        } catch (IOException ignored) {
            // a temporary file we could not delete
        }
    }

    /** One pass: the scheduler (the caller's thread) and the connections it started. */
    private final class Pass {
        final int n = selected.size();
        final AtomicReferenceArray<Result> results = new AtomicReferenceArray<>(n);
        final ConnReplay[] running = new ConnReplay[n];
        final Semaphore slots = new Semaphore(o.concurrency());
        final CountDownLatch finished = new CountDownLatch(n);
        final CountDownLatch stopLatch = new CountDownLatch(1);
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();
        volatile long startNanos = System.nanoTime();
        volatile long waitingUntil;
        volatile long waitingFor;
        volatile int launched;

        void run() throws InterruptedException {
            startNanos = System.nanoTime();
            long nextStart = startNanos;
            double interval = o.rate() > 0 ? 1e9 / o.rate() : 0;
            for (int i = 0; i < n && !stopped; i++) {
                Capture.Conn c = selected.get(i);
                long due = o.speed() <= 0 ? startNanos
                        : startNanos + (long) ((c.firstMicros - origin) * 1000.0 / o.speed());
                due = Math.max(due, nextStart);
                if (due - System.nanoTime() > 0) {
                    waitingFor = c.firstMicros;
                    waitingUntil = due;
                    if (stopLatch.await(due - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                        break;
                    }
                    waitingUntil = 0;
                }
                while (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    if (stopped) {
                        break;
                    }
                }
                if (stopped) {
                    break;
                }
                nextStart = (long) (Math.max(nextStart, System.nanoTime()) + interval);
                ConnReplay r = new ConnReplay(this, i, c);
                synchronized (running) {
                    running[i] = r;
                }
                launched = i + 1;
                open.incrementAndGet();
                r.start();
            }
            waitingUntil = 0;
            if (stopped) {
                int start = launched;
                for (int i = start; i < n; i++) {
                    finished.countDown();    // never started
                }
                List<ConnReplay> toClose = new ArrayList<>();
                synchronized (running) {
                    for (ConnReplay r : running) {
                        if (r != null) {
                            toClose.add(r);
                        }
                    }
                }
                toClose.forEach(ConnReplay::interrupt);
            }
            finished.await();
        }

        void stop() {
            stopLatch.countDown();
            List<ConnReplay> toClose = new ArrayList<>();
            synchronized (running) {
                for (ConnReplay r : running) {
                    if (r != null) {
                        toClose.add(r);
                    }
                }
            }
            toClose.forEach(ConnReplay::interrupt);
        }

        void finished(int index, Result r) {
            results.set(index, r);
            synchronized (running) {
                running[index] = null;
            }
            done.incrementAndGet();
            open.decrementAndGet();
            slots.release();
            finished.countDown();
        }

        Progress progress() {
            return new Progress(n, done.get(), open.get(), startNanos, waitingUntil, waitingFor);
        }

        List<Result> results() {
            List<Result> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Result r = results.get(i);
                if (r != null) {
                    out.add(r);
                }
            }
            return out;
        }
    }

    /**
     * One replayed connection, driven on its channel's event loop: sends its inbound records in order and paced,
     * compares what arrives with its outbound records as it arrives, half-closes, reads until close or idle.
     */
    private final class ConnReplay extends ChannelInboundHandlerAdapter {
        final Pass pass;
        final int index;
        final Capture.Conn c;
        Channel ch;
        long startNanos;
        /** Sending: the entry being sent, and how much of its payload is sent. */
        ReplaySpool.Entry sending;
        long sendNext;
        int sendOff;
        boolean sendingDone;
        long sent;
        long firstSentNanos = -1;
        /** Comparing: the outbound bytes of the dump, one slice at a time. */
        long expectNext;
        ReplaySpool.Entry expecting;
        int expectOff;
        final byte[] expected;
        /** What arrived, copied out of the buffer for comparing. */
        final byte[] got = new byte[SLICE];
        int expLen;
        int expPos;
        long compared;
        long diffAt = -1;
        int diffExpected;
        int diffGot;
        long received;
        long firstReceivedNanos = -1;
        long lastReadNanos;
        boolean eof;
        boolean finished;
        io.netty.util.concurrent.Future<?> timer;

        ConnReplay(Pass pass, int index, Capture.Conn c) {
            this.pass = pass;
            this.index = index;
            this.c = c;
            long first = spool.first(c);
            this.sendNext = first;
            this.expectNext = first;
            this.expected = new byte[SLICE];
        }

        void start() {
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, o.connectTimeoutMillis()))
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(this);
            startNanos = System.nanoTime();
            io.netty.channel.ChannelFuture connect = b.connect(o.target());
            ch = connect.channel();
            connect.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    Throwable t = f.cause();
                    String why = t == null ? "connect failed" : t.getMessage() == null ? t.toString() : t.getMessage();
                    if (t instanceof io.netty.channel.ConnectTimeoutException) {
                        why = "connect to " + o.target() + " timed out after " + o.connectTimeoutMillis() + " ms";
                    }
                    finish(Status.FAILED, why);
                    f.channel().close();
                }
            });
        }

        /** Called from another thread: ends the connection as interrupted. */
        void interrupt() {
            Channel channel = ch;
            if (channel == null) {
                return;     // not registered yet: channelActive sees stopped
            }
            channel.eventLoop().execute(() -> finish(Status.FAILED, INTERRUPTED));
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ch = ctx.channel();
            if (stopped) {
                finish(Status.FAILED, INTERRUPTED);
                return;
            }
            startNanos = System.nanoTime();
            lastReadNanos = startNanos;
            sendMore();
        }

        /** Sends the next slice when its record is due, or half-closes after the last one. */
        void sendMore() {
            if (finished) {
                return;
            }
            try {
                while (sending == null || sendOff >= sending.length()) {
                    if (sendNext < 0) {
                        halfClose();
                        return;
                    }
                    ReplaySpool.Entry e = spool.entry(sendNext);
                    sendNext = e.next();
                    if (e.direction() != FerryRecord.OUTBOUND) {
                        sending = e;
                        sendOff = 0;
                        long due = o.speed() <= 0 ? 0
                                : startNanos + (long) ((e.timeMicros() - c.firstMicros) * 1000.0 / o.speed());
                        long wait = due - System.nanoTime();
                        if (o.speed() > 0 && wait > 0) {
                            timer = ch.eventLoop().schedule(this::sendMore, wait, TimeUnit.NANOSECONDS);
                            return;
                        }
                        if (e.length() > 0) {
                            break;
                        }
                    }
                }
                int n = Math.min(SLICE, sending.length() - sendOff);
                ByteBuffer b = ByteBuffer.allocate(n);
                spool.read(b, sending.payloadAt() + sendOff);
                sendOff += n;
                if (firstSentNanos < 0) {
                    firstSentNanos = System.nanoTime();
                }
                ByteBuf buf = Unpooled.wrappedBuffer(b.array());
                ch.writeAndFlush(buf).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        sent += n;
                        sendMore();
                    } else if (!finished) {
                        Throwable t = f.cause();
                        finish(Status.FAILED, t == null ? "write failed" : t.getMessage() == null ? t.toString()
                                : t.getMessage());
                    }
                });
            } catch (IOException e) {
                finish(Status.FAILED, e.getMessage());
            }
        }

        void halfClose() {
            if (sendingDone) {
                return;
            }
            sendingDone = true;
            if (eof) {
                finish(null, null);
                return;
            }
            ((SocketChannel) ch).shutdownOutput().addListener(f -> {
                lastReadNanos = System.nanoTime();
                idleCheck();
            });
        }

        void idleCheck() {
            if (finished) {
                return;
            }
            long left = lastReadNanos + TimeUnit.MILLISECONDS.toNanos(o.idleTimeoutMillis()) - System.nanoTime();
            if (left <= 0) {
                finish(null, null);
            } else {
                timer = ch.eventLoop().schedule(this::idleCheck, left, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                int n = buf.readableBytes();
                if (n > 0 && firstReceivedNanos < 0) {
                    firstReceivedNanos = System.nanoTime();
                }
                lastReadNanos = System.nanoTime();
                if (diffAt < 0) {
                    compare(buf);
                }
                received += n;
            } catch (IOException e) {
                finish(Status.FAILED, e.getMessage());
            } finally {
                buf.release();
            }
        }

        /**
         * Compares the bytes that arrived with the next captured outbound bytes, up to the first difference. The bytes
         * are copied out a slice at a time (one bulk read of the buffer each, not one access per byte).
         */
        void compare(ByteBuf buf) throws IOException {
            int i = buf.readerIndex();
            int end = buf.writerIndex();
            while (i < end) {
                if (expPos == expLen && !loadExpected()) {
                    return;     // more than was captured: counted, nothing to compare with
                }
                int k = Math.min(end - i, expLen - expPos);
                buf.getBytes(i, got, 0, k);
                int m = java.util.Arrays.mismatch(got, 0, k, expected, expPos, expPos + k);
                if (m >= 0) {
                    diffAt = compared + m;
                    diffExpected = expected[expPos + m] & 0xff;
                    diffGot = got[m] & 0xff;
                    return;
                }
                i += k;
                expPos += k;
                compared += k;
            }
        }

        /** The next slice of captured outbound bytes into {@link #expected}; false if there are no more. */
        boolean loadExpected() throws IOException {
            while (expecting == null || expectOff >= expecting.length()) {
                if (expectNext < 0) {
                    return false;
                }
                ReplaySpool.Entry e = spool.entry(expectNext);
                expectNext = e.next();
                if (e.direction() == FerryRecord.OUTBOUND) {
                    expecting = e;
                    expectOff = 0;
                }
            }
            int n = Math.min(SLICE, expecting.length() - expectOff);
            spool.read(ByteBuffer.wrap(expected, 0, n), expecting.payloadAt() + expectOff);
            expectOff += n;
            expLen = n;
            expPos = 0;
            return true;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                eof = true;
                if (sendingDone) {
                    finish(null, null);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!finished) {
                if (sendingDone || eof) {
                    finish(null, null);
                } else {
                    finish(Status.FAILED, "the target closed the connection after " + sent + " bytes were sent");
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
            finish(Status.FAILED, t.getMessage() == null ? t.toString() : t.getMessage());
        }

        /** Ends the connection once: a failure, or (status null) the comparison of what arrived. */
        void finish(Status status, String detail) {
            if (finished) {
                return;
            }
            finished = true;
            if (timer != null) {
                timer.cancel(false);
            }
            if (ch != null) {
                ch.close();
            }
            long latency = firstSentNanos >= 0 && firstReceivedNanos >= firstSentNanos
                    ? (firstReceivedNanos - firstSentNanos) / 1000 : -1;
            long captured = c.firstInboundMicros != Long.MIN_VALUE && c.firstOutboundMicros >= c.firstInboundMicros
                    ? c.firstOutboundMicros - c.firstInboundMicros : -1;
            Result r;
            if (status != null) {
                r = new Result(c.id, key(capture, c), sent, received, status, detail == null ? "" : detail, latency,
                        captured);
            } else {
                Result v = verdict(c, sent, received, diffAt, diffExpected, diffGot, c.outboundBytes);
                r = new Result(v.connection(), key(capture, c), v.sent(), v.received(), v.status(), v.detail(),
                        latency, captured);
            }
            pass.finished(index, r);
        }
    }

    /**
     * The verdict on one connection from what was compared: {@code diffAt} the first differing byte (-1 if none in the
     * first {@code min(received, expectedLength)} bytes), with the expected and received byte there.
     */
    static Result verdict(Capture.Conn c, long sent, long got, long diffAt, int expectedByte, int gotByte,
                          long expectedLength) {
        Capture.Status status = c.status();
        if (status.end() == Capture.End.UNKNOWN) {
            return new Result(c.id, c.key(), sent, got, Status.NO_OUTBOUND, "a Layotto dump_tcp_copy.log "
                    + "records no direction: there is no response to compare with, and every line was sent as the "
                    + "client's");
        }
        if (!c.recorded(FerryRecord.OUTBOUND)) {
            return new Result(c.id, c.key(), sent, got, Status.NO_OUTBOUND,
                    (status.complete() ? "" : status.text() + "; ") + (c.openSeen
                    ? "the dump records no outbound bytes: its OPEN record marks outbound as not captured "
                    + "(\"directions\": \"inbound\")"
                    : "the dump holds no outbound bytes and no OPEN record to say whether they were captured"));
        }
        if (!status.complete()) {
            String part = diffAt >= 0 ? String.format("the captured response differs at byte %d: expected 0x%02x, got "
                    + "0x%02x", diffAt, expectedByte, gotByte)
                    : expectedLength == 0 ? "no response bytes were captured to compare with"
                    : got >= expectedLength ? "the " + expectedLength + " bytes of response captured match"
                    : "the response is shorter than the " + expectedLength + " bytes captured: " + got + " B";
            return new Result(c.id, c.key(), sent, got, Status.NOT_VERIFIED, status.text() + "; " + part);
        }
        if (diffAt >= 0) {
            return new Result(c.id, c.key(), sent, got, Status.MISMATCHED, String.format(
                    "first difference at byte %d: expected 0x%02x, got 0x%02x", diffAt, expectedByte, gotByte));
        }
        if (got == expectedLength) {
            return new Result(c.id, c.key(), sent, got, Status.MATCHED, "");
        }
        return new Result(c.id, c.key(), sent, got, Status.MISMATCHED, got < expectedLength
                ? "response shorter than captured: " + got + " of " + expectedLength + " bytes"
                : "response longer than captured: " + got + " bytes, captured " + expectedLength);
    }

    /** The verdict from whole byte arrays (tests, and callers that hold both answers). */
    static Result compare(Capture.Conn c, long sent, byte[] got, byte[] expected) {
        int n = Math.min(got.length, expected.length);
        int diff = -1;
        for (int i = 0; i < n; i++) {
            if (got[i] != expected[i]) {
                diff = i;
                break;
            }
        }
        Result r = verdict(c, sent, got.length, diff, diff < 0 ? 0 : expected[diff] & 0xff, diff < 0 ? 0
                : got[diff] & 0xff, expected.length);
        return new Result(r.connection(), c.instance.isEmpty() ? "" : c.key(), r.sent(), r.received(), r.status(),
                r.detail());
    }

    /** The key shown next to a connection: only when the dump holds several instances (renumbered ids). */
    private static String key(Capture capture, Capture.Conn c) {
        return capture.renumbered() && !c.instance.isEmpty() ? c.key() : "";
    }

    /**
     * Prints, first, what the dump cannot verify (a Layotto log, an inbound-only dump), then one line per connection
     * and a summary; returns the exit code: 1 if a connection mismatched or failed, else {@link #UNVERIFIED} if some
     * could not be verified, else 0.
     */
    public static int report(List<Result> results, InetSocketAddress target, PrintStream out) {
        for (Result r : results) {
            out.printf("connection %d%s: sent %d B, received %d B, %s%s%n", r.connection(),
                    r.key().isEmpty() ? "" : " (" + r.key() + ")", r.sent(), r.received(),
                    r.status().text(), r.detail().isEmpty() ? "" : " (" + r.detail() + ")");
        }
        return summary(results, target, out);
    }

    /** The summary line of {@link #report} alone; returns the exit code. */
    public static int summary(List<Result> results, InetSocketAddress target, PrintStream out) {
        int matched = 0;
        int unverified = 0;
        int interrupted = 0;
        List<Long> mismatched = new ArrayList<>();
        List<Long> failed = new ArrayList<>();
        for (Result r : results) {
            if (r.interrupted()) {
                interrupted++;
                continue;
            }
            switch (r.status()) {
                case MATCHED -> matched++;
                case NOT_VERIFIED, NO_OUTBOUND -> unverified++;
                case MISMATCHED -> mismatched.add(r.connection());
                case FAILED -> failed.add(r.connection());
            }
        }
        out.printf("replayed %d connections to %s: %d matched, %d not verified, %d mismatched%s, %d failed%s%s%n",
                results.size(), target.getHostString() + ":" + target.getPort(), matched, unverified,
                mismatched.size(), ids(mismatched), failed.size(), ids(failed),
                interrupted == 0 ? "" : ", " + interrupted + " interrupted");
        return exitCode(results);
    }

    /** At most 20 ids in brackets, then how many more. */
    private static String ids(List<Long> ids) {
        if (ids.isEmpty()) {
            return "";
        }
        if (ids.size() <= 20) {
            return " " + ids;
        }
        return " " + ids.subList(0, 20).toString().replace("]", ", ... " + (ids.size() - 20) + " more]");
    }

    /**
     * 1 if a connection mismatched or failed, else {@link #UNVERIFIED} if some could not be verified, else 0; the
     * connections {@link #stop} cut off ({@link Result#interrupted}) are no verdict and do not count.
     */
    public static int exitCode(List<Result> results) {
        boolean unverified = false;
        for (Result r : results) {
            if (r.interrupted()) {
                continue;
            }
            switch (r.status()) {
                case MISMATCHED, FAILED -> {
                    return 1;
                }
                case NOT_VERIFIED, NO_OUTBOUND -> unverified = true;
                default -> {
                }
            }
        }
        return unverified ? UNVERIFIED : 0;
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

    /** Event loop threads by default: the processors, at most 4 (a replay is I/O bound). */
    public static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /** The most files this process may open ({@code ulimit -n}), or -1 if the JVM does not say. */
    public static long fdLimit() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            return u.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /**
     * How many connections the process can still open: its file limit less the files it has open and a margin of
     * {@value #FD_MARGIN}; {@code Integer.MAX_VALUE} if the JVM does not say.
     */
    public static int fdHeadroom() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            long free = u.getMaxFileDescriptorCount() - u.getOpenFileDescriptorCount() - FD_MARGIN;
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, free));
        }
        return Integer.MAX_VALUE;
    }
}
