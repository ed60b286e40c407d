package io.ferry.proxy.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine of {@link RelayTortureIT}: clients and upstreams that exercise every way a relayed TCP connection can be
 * used and ended, and a checker for what each side received (FILTER-CONTRACT.md R5).
 *
 * <p>Each scenario is one proxied connection with a plan drawn from the run's seed: the size of each direction's
 * stream (0 B to 6 MiB), how it is cut into writes and paused, how each side reads (a small receive buffer, pauses, a
 * delay of up to 1.5 s before reading anything), and how each side ends:
 * <ul>
 *   <li>{@code FIN_AFTER_WRITE}: half-closes as soon as its stream is written, reads on to the peer's EOF;</li>
 *   <li>{@code FIN_AFTER_EOF}: writes, reads to the peer's EOF, then half-closes (so the peer's FIN comes first);</li>
 *   <li>{@code CLOSE_AFTER_READ}: no half-close: writes, reads the peer's whole stream, then closes;</li>
 *   <li>{@code RESET}: writes a prefix of its stream, then resets the connection (TCP only).</li>
 * </ul>
 * The client sends the scenario id (8 bytes) first; the upstream, on TCP or on a unix socket (the cluster has one of
 * each), looks the plan up by it. Both streams are generated from the seed and checked byte by byte as they arrive.
 *
 * <p>What is checked, per direction from writer W to reader R:
 * <ul>
 *   <li>R5.1: every byte R received is the next byte W wrote (no loss, duplicate or reordering before the end);</li>
 *   <li>W ended normally: R received the whole stream, then EOF (not a reset, not a timeout), and R saw the EOF no
 *       earlier than W sent its FIN (R5.2, R5.3);</li>
 *   <li>W reset: R received a prefix of what W wrote, and a TCP reader behind a TCP writer sees a reset, never a clean
 *       EOF (R5.4, R5.5; a unix socket has no reset and gets EOF);</li>
 *   <li>R itself reset: nothing more is expected of that direction;</li>
 *   <li>every scenario ends within two minutes (a stall is a failure), and afterwards the proxy holds no connection.</li>
 * </ul>
 */
final class Torture {

    /** How a side ends its part of the connection. */
    enum End { FIN_AFTER_WRITE, FIN_AFTER_EOF, CLOSE_AFTER_READ, RESET }

    /** One direction's stream as its writer sends it. */
    record Stream(long size, int maxChunk, int pauseEvery, int maxPauseMs, long resetAt) {
        String describe() {
            return size + " B in writes of up to " + maxChunk + " B" + (pauseEvery > 0 ? ", a pause of up to "
                    + maxPauseMs + " ms every ~" + pauseEvery + " writes" : "");
        }
    }

    /** How a side reads. */
    record Reading(int receiveBuffer, int startDelayMs, int chunk, int pauseMs) {
        String describe() {
            return "reads " + chunk + " B at a time" + (pauseMs > 0 ? " every " + pauseMs + " ms" : "")
                    + (startDelayMs > 0 ? " after " + startDelayMs + " ms" : "")
                    + (receiveBuffer > 0 ? ", SO_RCVBUF " + receiveBuffer : "");
        }
    }

    /** One side: what it writes, how it reads, how it ends. */
    record Side(Stream out, Reading in, End end, int startDelayMs) {
        String describe() {
            return "writes " + out.describe() + (startDelayMs > 0 ? " after " + startDelayMs + " ms" : "") + "; "
                    + in.describe() + "; ends " + end + (end == End.RESET ? " after " + out.resetAt + " B" : "");
        }
    }

    /** One proxied connection. */
    record Plan(long id, Side client, Side upstream) {
        String describe() {
            return "scenario " + id + ": client " + client.describe() + " | upstream " + upstream.describe();
        }
    }

    /** What one side did and saw. Written by its threads, read by the checker after both finished. */
    static final class Outcome {
        volatile boolean started;
        volatile boolean tcp;
        volatile End end;
        volatile long received;
        volatile long written;
        volatile boolean eof;
        volatile long eofAt;
        volatile Throwable readError;
        volatile Throwable writeError;
        volatile String corrupt;
        volatile long finAt = Long.MAX_VALUE;
        volatile boolean selfClosed;
        volatile String peerAddress;
        final CountDownLatch startedLatch = new CountDownLatch(1);
        final CountDownLatch readerDone = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
    }

    /** The run's totals. */
    static final class Totals {
        final AtomicLong scenarios = new AtomicLong();
        final AtomicLong bytesToUpstream = new AtomicLong();
        final AtomicLong bytesToClient = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong halfCloses = new AtomicLong();
        final AtomicLong slowReaders = new AtomicLong();
        final AtomicInteger orphans = new AtomicInteger();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public String toString() {
            return String.format("%,d connections, %,d B client->upstream, %,d B upstream->client, %,d resets, "
                            + "%,d half-closes, %,d slow or late readers", scenarios.get(), bytesToUpstream.get(),
                    bytesToClient.get(), resets.get(), halfCloses.get(), slowReaders.get());
        }
    }

    private static final long SCENARIO_DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(2);
    static final long MAX_SIZE = 6L * 1024 * 1024;

    private final long seed;
    private final boolean tcpListener;
    private final Map<Long, Plan> plans = new ConcurrentHashMap<>();
    private final Map<Long, Outcome> upstreamOutcomes = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "torture");
        t.setDaemon(true);
        return t;
    });
    private final List<AutoCloseable> servers = new ArrayList<>();
    private final Totals totals = new Totals();

    Torture(long seed, boolean tcpListener) {
        this.seed = seed;
        this.tcpListener = tcpListener;
    }

    Totals totals() {
        return totals;
    }

    // ------------------------------------------------------------------ plans

    /** The plan of scenario {@code id}: the same for a given seed, whatever else runs. */
    Plan plan(long id) {
        SplittableRandom r = new SplittableRandom(seed * 31 + id);
        Side client = side(r, tcpListener);
        Side upstream = side(r, true);
        if (client.end == End.FIN_AFTER_EOF && upstream.end == End.FIN_AFTER_EOF) {
            // each would wait for the other's FIN
            upstream = new Side(upstream.out, upstream.in, End.FIN_AFTER_WRITE, upstream.startDelayMs);
        }
        return new Plan(id, client, upstream);
    }

    private static Side side(SplittableRandom r, boolean canReset) {
        long size = size(r);
        int roll = r.nextInt(100);
        End end = roll < 35 ? End.FIN_AFTER_WRITE : roll < 60 ? End.FIN_AFTER_EOF : roll < 88 ? End.CLOSE_AFTER_READ
                : canReset ? End.RESET : End.FIN_AFTER_WRITE;
        long resetAt = end == End.RESET ? (size == 0 ? 0 : r.nextLong(size + 1)) : size;
        // At most ~4000 writes and ~40 pauses of up to 20 ms, and at most ~2000 paced reads, per stream: a scenario
        // takes seconds, not minutes, however small its writes and reads.
        int maxChunk = (int) Math.max(1 << r.nextInt(17), Math.min(65536, size / 4000 + 1));
        long writes = Math.max(1, size / Math.max(1, maxChunk / 2));
        boolean pauses = r.nextInt(4) == 0;
        int pauseEvery = pauses ? (int) Math.max(1 + r.nextInt(64), writes / 40) : 0;
        Stream out = new Stream(size, maxChunk, pauseEvery, pauses ? 1 + r.nextInt(20) : 0, resetAt);
        boolean slow = r.nextInt(3) == 0;
        boolean late = r.nextInt(6) == 0;
        int readChunk = slow ? (int) Math.max(512 << r.nextInt(5), Math.min(65536, MAX_SIZE / 2000)) : 64 * 1024;
        Reading in = new Reading(slow ? 4096 << r.nextInt(3) : 0, late ? 200 + r.nextInt(1300) : 0, readChunk,
                slow && r.nextBoolean() ? 1 + r.nextInt(2) : 0);
        return new Side(out, in, end, r.nextInt(5) == 0 ? r.nextInt(200) : 0);
    }

    private static long size(SplittableRandom r) {
        int roll = r.nextInt(100);
        if (roll < 12) {
            return 0;
        }
        if (roll < 45) {
            return 1 + r.nextInt(4096);
        }
        if (roll < 85) {
            return 4096 + r.nextInt(512 * 1024);
        }
        return 512 * 1024 + r.nextLong(MAX_SIZE - 512 * 1024);
    }

    // ------------------------------------------------------------------ upstreams

    /** Starts the upstream servers; returns their cluster host addresses (one TCP, one unix socket). */
    List<String> startUpstreams(Path dir) throws IOException {
        ServerSocketChannel tcp = ServerSocketChannel.open(StandardProtocolFamily.INET);
        tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        servers.add(tcp);
        Path sock = dir.resolve("upstream.sock");
        Files.deleteIfExists(sock);
        ServerSocketChannel unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        unix.bind(UnixDomainSocketAddress.of(sock), 1024);
        servers.add(unix);
        accept(tcp, true);
        accept(unix, false);
        return List.of("127.0.0.1:" + ((InetSocketAddress) tcp.getLocalAddress()).getPort(), "unix:" + sock);
    }

    private void accept(ServerSocketChannel server, boolean tcp) {
        threads.execute(() -> {
            while (server.isOpen()) {
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (IOException e) {
                    return;
                }
                threads.execute(() -> serveUpstream(ch, tcp));
            }
        });
    }

    private void serveUpstream(SocketChannel ch, boolean tcp) {
        try (ch) {
            ByteBuffer header = ByteBuffer.allocate(8);
            while (header.hasRemaining()) {
                if (ch.read(header) < 0) {
                    totals.orphans.incrementAndGet();
                    return;
                }
            }
            long id = header.flip().getLong();
            Plan plan = plans.get(id);
            Outcome outcome = upstreamOutcomes.get(id);
            if (plan == null) {
                totals.failures.add("the upstream received the unknown scenario id " + id
                        + " (the proxy mixed up or corrupted connections)");
                return;
            }
            if (outcome == null) {
                if (plan.client.end != End.RESET) {
                    totals.failures.add(plan.describe() + ": the upstream received the connection after the client "
                            + "had finished");
                }
                totals.orphans.incrementAndGet();
                return;
            }
            runSide(ch, tcp, plan.upstream, plan.client.out, TorturePattern.of(seed, id, 1),
                    TorturePattern.of(seed, id, 0), outcome, null);
        } catch (IOException e) {
            totals.orphans.incrementAndGet();
        }
    }

    // ------------------------------------------------------------------ one side

    /**
     * Runs one side on a connected channel: a reader thread, and the writer on the calling thread; returns when both
     * finished.
     */
    private void runSide(SocketChannel ch, boolean tcp, Side side, Stream peer, TorturePattern outPattern,
                         TorturePattern inPattern, Outcome o, ByteBuffer header) {
        End end = side.end == End.RESET && !tcp ? End.FIN_AFTER_WRITE : side.end;
        o.tcp = tcp;
        o.end = end;
        try {
            o.peerAddress = (header != null ? ch.getLocalAddress() : ch.getRemoteAddress()) + "";
        } catch (IOException e) {
            o.peerAddress = "?";
        }
        o.started = true;
        o.startedLatch.countDown();
        // A TCP receive buffer shrunk after the handshake makes the kernel drop and retransmit (a crawl, not a slow
        // reader); only the client, which connects after setting it, and unix sockets take one.
        if (side.in.receiveBuffer > 0 && (header != null || !tcp)) {
            try {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, side.in.receiveBuffer);
            } catch (IOException | UnsupportedOperationException e) {
                // not settable here: read slowly all the same
            }
        }
        threads.execute(() -> read(ch, side.in, end, peer.size, inPattern, o));
        try {
            write(ch, side, end, outPattern, o, header);
        } finally {
            await(o.readerDone);
            closeQuietly(ch);
            o.done.countDown();
        }
    }

    private void read(SocketChannel ch, Reading reading, End end, long expected, TorturePattern pattern, Outcome o) {
        try {
            sleep(reading.startDelayMs);
            ByteBuffer buf = ByteBuffer.allocate(reading.chunk);
            while (true) {
                if (end == End.CLOSE_AFTER_READ && o.received >= expected) {
                    return;
                }
                buf.clear();
                if (end == End.CLOSE_AFTER_READ) {
                    buf.limit((int) Math.min(buf.capacity(), expected - o.received));
                }
                int n = ch.read(buf);
                if (n < 0) {
                    o.eofAt = System.nanoTime();
                    o.eof = true;
                    return;
                }
                buf.flip();
                long bad = pattern.check(buf);
                if (bad >= 0) {
                    o.corrupt = "byte " + bad + " differs from what the peer wrote (lost, duplicated or reordered "
                            + "bytes)";
                    return;
                }
                o.received += n;
                if (o.received > expected) {
                    o.corrupt = "received " + o.received + " B, more than the " + expected + " B the peer wrote";
                    return;
                }
                sleep(reading.pauseMs);
            }
        } catch (IOException e) {
            if (!o.selfClosed) {
                o.readError = e;
            }
        } finally {
            o.readerDone.countDown();
        }
    }

    private void write(SocketChannel ch, Side side, End end, TorturePattern pattern, Outcome o, ByteBuffer header) {
        try {
            sleep(side.startDelayMs);
            if (header != null) {
                while (header.hasRemaining()) {
                    ch.write(header);
                }
            }
            long limit = end == End.RESET ? side.out.resetAt : side.out.size;
            SplittableRandom r = new SplittableRandom(side.out.size * 7 + limit);
            ByteBuffer buf = ByteBuffer.allocate(side.out.maxChunk);
            while (o.written < limit) {
                int n = (int) Math.min(limit - o.written, 1 + r.nextInt(side.out.maxChunk));
                buf.clear();
                pattern.fill(buf, n);
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                o.written += n;
                if (side.out.pauseEvery > 0 && r.nextInt(side.out.pauseEvery) == 0) {
                    sleep(r.nextInt(side.out.maxPauseMs + 1));
                }
            }
            switch (end) {
                case FIN_AFTER_WRITE -> {
                    o.finAt = System.nanoTime();
                    ch.shutdownOutput();
                }
                case FIN_AFTER_EOF -> {
                    await(o.readerDone);
                    o.finAt = System.nanoTime();
                    ch.shutdownOutput();
                }
                case CLOSE_AFTER_READ -> {
                    await(o.readerDone);
                    o.finAt = System.nanoTime();
                    o.selfClosed = true;
                    ch.close();
                }
                case RESET -> {
                    o.selfClosed = true;
                    ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                    ch.close();
                }
            }
        } catch (IOException e) {
            if (!o.selfClosed) {
                o.writeError = e;
            }
        }
    }

    // ------------------------------------------------------------------ the run

    /**
     * Runs scenarios against {@code listener}, {@code concurrency} at a time, starting new ones for
     * {@code seconds}; then waits for the last ones and checks each.
     */
    void run(SocketAddress listener, int concurrency, double seconds, long only) throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        long until = System.nanoTime() + (long) (seconds * 1e9);
        long id = only > 0 ? only : 1;
        while (System.nanoTime() < until && totals.failures.isEmpty() && (only <= 0 || id == only)) {
            slots.acquire();
            long scenario = id++;
            Plan plan = plan(scenario);
            Outcome client = new Outcome();
            Outcome upstream = new Outcome();
            plans.put(scenario, plan);
            upstreamOutcomes.put(scenario, upstream);
            threads.execute(() -> {
                try {
                    runClient(listener, plan, client);
                    check(plan, client, upstream);
                } finally {
                    upstreamOutcomes.remove(scenario);
                    slots.release();
                }
            });
        }
        if (!slots.tryAcquire(concurrency, 3, TimeUnit.MINUTES)) {
            totals.failures.add("scenarios still running three minutes after the last one started");
        }
    }

    private void runClient(SocketAddress listener, Plan plan, Outcome client) {
        long start = System.nanoTime();
        SocketChannel ch;
        try {
            ch = SocketChannel.open(listener instanceof InetSocketAddress ? StandardProtocolFamily.INET
                    : StandardProtocolFamily.UNIX);
            if (plan.client.in.receiveBuffer > 0) {
                try {
                    ch.setOption(StandardSocketOptions.SO_RCVBUF, plan.client.in.receiveBuffer);
                } catch (UnsupportedOperationException e) {
                    // read slowly all the same
                }
            }
            ch.connect(listener);
        } catch (IOException e) {
            totals.failures.add(plan.describe() + ": the client could not connect: " + e);
            return;
        }
        ByteBuffer header = ByteBuffer.allocate(8).putLong(plan.id).flip();
        Future watchdog = watch(ch, plan, client, start);
        runSide(ch, listener instanceof InetSocketAddress, plan.client, plan.upstream.out,
                TorturePattern.of(seed, plan.id, 0), TorturePattern.of(seed, plan.id, 1), client, header);
        watchdog.cancel();
    }

    /** Closes a scenario's client that is still running after the deadline, and records the stall. */
    private Future watch(SocketChannel ch, Plan plan, Outcome client, long start) {
        Future f = new Future();
        threads.execute(() -> {
            try {
                if (!client.done.await(SCENARIO_DEADLINE_NANOS, TimeUnit.NANOSECONDS) && !f.cancelled) {
                    totals.failures.add(plan.describe() + ": still running after "
                            + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " s (received "
                            + client.received + " B, wrote " + client.written + " B): a stall");
                    closeQuietly(ch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return f;
    }

    private static final class Future {
        volatile boolean cancelled;

        void cancel() {
            cancelled = true;
        }
    }

    // ------------------------------------------------------------------ the checks

    private void check(Plan plan, Outcome client, Outcome upstream) {
        try {
            // The upstream may still be connecting when a client that expects nothing back has already finished.
            upstream.startedLatch.await(client.end == End.RESET ? 2 : 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (upstream.started) {
            try {
                if (!upstream.done.await(SCENARIO_DEADLINE_NANOS, TimeUnit.NANOSECONDS)) {
                    totals.failures.add(plan.describe() + ": the upstream side is still running: a stall");
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        totals.scenarios.incrementAndGet();
        totals.bytesToUpstream.addAndGet(upstream.received);
        totals.bytesToClient.addAndGet(client.received);
        if (client.end == End.RESET || upstream.end == End.RESET) {
            totals.resets.incrementAndGet();
        }
        if (client.end == End.FIN_AFTER_WRITE || upstream.end == End.FIN_AFTER_WRITE) {
            totals.halfCloses.incrementAndGet();
        }
        if (plan.client.in.receiveBuffer > 0 || plan.upstream.in.startDelayMs > 0
                || plan.client.in.startDelayMs > 0 || plan.upstream.in.receiveBuffer > 0) {
            totals.slowReaders.incrementAndGet();
        }
        List<String> problems = new ArrayList<>();
        if (!upstream.started) {
            if (client.end != End.RESET) {
                problems.add("the upstream never received the connection (or not its first 8 bytes), though the "
                        + "client did not reset");
            }
        } else {
            direction("client -> upstream", plan.client.out, client, upstream, problems);
            direction("upstream -> client", plan.upstream.out, upstream, client, problems);
        }
        if (!problems.isEmpty()) {
            totals.failures.add(plan.describe() + " [client " + (client.tcp ? "tcp " : "unix ") + client.peerAddress
                    + ", upstream " + (upstream.tcp ? "tcp" : "unix") + " from the proxy's " + upstream.peerAddress
                    + "]: " + String.join("; ", problems));
        }
    }

    private static void direction(String name, Stream stream, Outcome writer, Outcome reader, List<String> problems) {
        if (reader.corrupt != null) {
            problems.add(name + ": " + reader.corrupt);
            return;
        }
        if (reader.end == End.RESET) {
            return;
        }
        if (writer.end == End.RESET) {
            if (reader.received > stream.resetAt) {
                problems.add(name + ": " + reader.received + " B received, more than the " + stream.resetAt
                        + " B written before the reset");
            }
            // A socket reports a reset once: if the reader's own writer took it (a failed write), the read that
            // follows sees an EOF, whatever the proxy did.
            if (reader.eof && writer.tcp && reader.tcp && reader.writeError == null) {
                problems.add(name + ": the writer's reset reached the reader as a clean EOF (a FIN), after "
                        + reader.received + " of " + stream.resetAt + " B: a cut stream that looks complete");
            }
            return;
        }
        if (writer.writeError != null) {
            problems.add(name + ": the writer failed after " + writer.written + " of " + stream.size + " B: "
                    + writer.writeError);
            return;
        }
        if (reader.received != stream.size) {
            problems.add(name + ": " + reader.received + " of " + stream.size + " B received"
                    + (reader.readError != null ? " (then " + reader.readError + ")" : reader.eof ? " (then EOF)" : ""));
            return;
        }
        if (reader.end == End.CLOSE_AFTER_READ) {
            return;
        }
        if (reader.readError != null) {
            problems.add(name + ": the whole stream arrived, then " + reader.readError + " instead of EOF");
        } else if (!reader.eof) {
            problems.add(name + ": the whole stream arrived but no EOF");
        } else if (reader.eofAt < writer.finAt) {
            problems.add(name + ": EOF seen " + (writer.finAt - reader.eofAt) / 1000 + " us before the writer sent "
                    + "its FIN");
        }
    }

    // ------------------------------------------------------------------ helpers

    void close() {
        for (AutoCloseable s : servers) {
            try {
                s.close();
            } catch (Exception e) {
                // stopping anyway
            }
        }
        threads.shutdownNow();
    }

    private static void sleep(int millis) {
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(SCENARIO_DEADLINE_NANOS, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
