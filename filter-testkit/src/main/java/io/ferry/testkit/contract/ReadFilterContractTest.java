package io.ferry.testkit.contract;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import io.ferry.testkit.embedded.EmbeddedTcpProxy;
import io.ferry.testkit.embedded.EmbeddedUpstream;
import io.ferry.testkit.embedded.ManualScheduler;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The read-filter rules (R1.x, R4.x of {@code FILTER-CONTRACT.md}) on top of the provider rules of
 * {@link FilterProviderContractTest}, run on the filters the provider's factory creates, through the real chain
 * engine in an {@link EmbeddedFilterChain}.
 *
 * <p>The write filters the factory adds, if any, are checked too (R2.4, R2.5); without write filters those tests
 * are reported as skipped.
 *
 * <p>R1.12 and R1.13 put the filter in front of {@link EmbeddedTcpProxy}, a terminal filter that behaves like
 * {@code tcp_proxy} (it dials when the chain reaches it and disables reading until connected), connected to the
 * in-memory cluster {@value #TERMINAL_CLUSTER}, or to the cluster of an {@code UpstreamRoute} the filter sets: a
 * filter that holds the connection and would stall it in the proxy fails them.
 *
 * <p>Optional hooks: {@link #forwardsInbound()} and {@link #forwardsOutbound()} (true by default, for observers such
 * as tcpcopy; return false for the direction in which a filter drains, transforms or holds bytes, which skips R1.11
 * or R2.5), {@link #awaitAsyncWork} (for filters with threads of their own) and {@link #payload} (well-formed input
 * for protocol filters; R1.12 and R1.13 send a first payload, cut after its first byte for R1.13, then more
 * payloads).
 */
public abstract class ReadFilterContractTest extends FilterProviderContractTest {

    private static final int MIB = 1024 * 1024;

    /**
     * The in-memory cluster the kit's terminal stand-in connects to, unless the filter routes the connection elsewhere
     * (then {@link #configureEnvironment} must add that cluster, as the filter's config needs it anyway).
     */
    protected static final String TERMINAL_CLUSTER = "ferry.testkit.upstream";

    /**
     * True if the read filters let every byte read reach the next filter unchanged and in order (an observer); false
     * for a filter that drains, transforms or holds inbound bytes (a terminal filter, a decoder, a preamble
     * stripper), which skips R1.11. By default {@link #forwardsBytes()}.
     */
    protected boolean forwardsInbound() {
        return forwardsBytes();
    }

    /**
     * True if the write filters let every written byte through unchanged and in order; false for a filter that
     * drops, transforms or delays outbound bytes (an encoder, a response rewriter), which skips R2.5. By default
     * {@link #forwardsBytes()}.
     */
    protected boolean forwardsOutbound() {
        return forwardsBytes();
    }

    /**
     * Both directions at once: the default of {@link #forwardsInbound()} and {@link #forwardsOutbound()}.
     *
     * @deprecated a filter often forwards one direction and not the other: override the per-direction hooks
     */
    @Deprecated
    protected boolean forwardsBytes() {
        return true;
    }

    /**
     * Called after traffic, before the kit checks for buffers used after their callback: a filter that hands work to
     * its own threads waits here until they processed what was queued, so an R4.1 violation on those threads is seen.
     */
    protected void awaitAsyncWork(EmbeddedFilterChain chain) throws Exception {
    }

    // ------------------------------------------------------------------ R4.2: any buffer

    @Test
    public void required_r4_2_onDataToleratesAnEmptyBuffer() {
        EmbeddedEnvironment env = newEnvironment();
        EmbeddedFilterChain chain = newChain(createFactory(env), env);
        assertNoFailure(chain, "R4.2", "building the chain");
        for (ReadFilter f : chain.connection().readFilters()) {
            try {
                FilterStatus s = f.onData(IoBuffer.allocate(0));
                assertTrue(s != null, "R4.2: " + f.getClass().getName() + ".onData(empty) returned null" + CONTRACT);
            } catch (RuntimeException e) {
                throw new AssertionError("R4.2: " + f.getClass().getName() + ".onData(empty buffer) threw " + e
                        + CONTRACT, e);
            }
        }
        chain.writeInbound(new byte[0]);
        assertNoFailure(chain, "R4.2", "an empty read");
        chain.finish();
    }

    @Test
    public void required_r4_2_onDataToleratesOneByte() throws Exception {
        feed("one byte", new byte[][]{payload(new SplittableRandom(1), 1)});
    }

    @Test
    public void required_r4_2_onDataToleratesOneMebibyte() throws Exception {
        feed("1 MiB", new byte[][]{payload(new SplittableRandom(2), MIB)});
    }

    @Test
    public void required_r4_2_onDataToleratesRandomBuffers() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        byte[][] chunks = new byte[32][];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = payload(random, random.nextInt(64 * 1024));
        }
        feed("random buffers (seed 3)", chunks);
    }

    private void feed(String what, byte[][] chunks) throws Exception {
        EmbeddedEnvironment env = newEnvironment();
        EmbeddedFilterChain chain = newChain(createFactory(env), env);
        for (byte[] c : chunks) {
            chain.writeInbound(c);
            assertNoFailure(chain, "R4.2", "onData() on " + what);
        }
        awaitAsyncWork(chain);
        assertNoFailure(chain, "R4.2", "onData() on " + what);
        chain.finish();
    }

    // ------------------------------------------------------------------ R4.1: never keep the buffer

    /**
     * R4.1: buffers are revoked after each callback and their memory poisoned when released; after traffic, timers
     * (an hour of manual time) and {@link #awaitAsyncWork}, no use of a kept buffer may have happened and no buffer
     * may still be referenced.
     */
    @Test
    public void required_r4_1_onDataNeverKeepsTheBuffer() throws Exception {
        try {
            EmbeddedEnvironment env = newEnvironment();
            EmbeddedFilterChain chain = newChain(createFactory(env), env);
            SplittableRandom random = new SplittableRandom(4);
            for (int i = 0; i < 8; i++) {
                chain.writeInbound(payload(random, 1 + random.nextInt(4096)));
            }
            chain.advanceTimeBy(1, TimeUnit.HOURS);
            awaitAsyncWork(chain);
            chain.writeInbound(payload(random, 512));
            chain.advanceTimeBy(1, TimeUnit.HOURS);
            awaitAsyncWork(chain);
            chain.finish();
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("R4.1")) {
                throw new AssertionError("R4.1: a filter used a buffer after its callback returned: "
                        + e.getMessage() + CONTRACT, e);
            }
            throw e;
        } catch (AssertionError e) {
            if (e.getMessage() != null && e.getMessage().startsWith("EmbeddedFilterChain.finish()")) {
                throw new AssertionError("R4.1: " + e.getMessage() + CONTRACT, e);
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------ R4.3: timers and the connection's thread

    /**
     * R4.3: the filter's timers run on the timer thread, never on the connection's, as in the runtime. Traffic and
     * time are interleaved (a random amount of time after each read, then an hour): a timer task that touches the
     * connection's thread-confined state without hopping back ({@code connection.execute(...)}) fails, and so does
     * one that throws. Then one connection carries traffic while another thread advances the clock at the same time,
     * so that state a timer shares with callbacks without synchronisation is raced for real. The seed is printed.
     */
    @Test
    public void required_r4_3_timersTouchTheConnectionOnlyOnItsThread() throws Exception {
        long seed = System.nanoTime();
        System.out.println("R4.3 timers: seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        EmbeddedEnvironment env = newEnvironment();
        EmbeddedFilterChain chain = newChain(createFactory(env), env);
        for (int i = 0; i < 32 && !chain.isClosed(); i++) {
            chain.writeInbound(payload(random, 1 + random.nextInt(2048)));
            advance(chain, () -> chain.advanceTimeBy(random.nextLong(3_000), TimeUnit.MILLISECONDS), seed);
            assertNoFailure(chain, "R4.3", "a timer task (seed " + seed + ")");
        }
        advance(chain, () -> chain.advanceTimeBy(1, TimeUnit.HOURS), seed);
        awaitAsyncWork(chain);
        assertNoFailure(chain, "R4.3", "a timer task (seed " + seed + ")");
        chain.finish();
        closeFactories();           // that runtime stops before the next one starts (they may share files, ports)

        EmbeddedEnvironment raced = newEnvironment();
        EmbeddedFilterChain busy = newChain(createFactory(raced), raced);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Throwable> timerFailure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread clock = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(seed + 1);
            try {
                while (!done.get()) {
                    raced.scheduler().advanceTimeBy(1 + r.nextInt(500), TimeUnit.MILLISECONDS);
                    Thread.onSpinWait();
                }
            } catch (Throwable t) {
                timerFailure.set(t);
            }
        }, "ferry-testkit-clock");
        clock.start();
        try {
            for (int i = 0; i < 256 && !busy.isClosed() && timerFailure.get() == null; i++) {
                busy.writeInbound(payload(random, 1 + random.nextInt(512)));
            }
        } finally {
            done.set(true);
            clock.join(TimeUnit.SECONDS.toMillis(ManualScheduler.TASK_TIMEOUT_SECONDS + 5));
        }
        if (timerFailure.get() != null) {
            Throwable t = timerFailure.get();
            throw new AssertionError((String.valueOf(t.getMessage()).startsWith("R4.") ? "" : "R4.3: ") + "a timer "
                    + "task failed while the connection carried traffic on another thread (seed " + seed + "): " + t
                    + CONTRACT, t);
        }
        busy.runPendingTasks();
        awaitAsyncWork(busy);
        assertNoFailure(busy, "R4.3", "a callback while timers ran on another thread (seed " + seed + ")");
        busy.finish();
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs a time step; a timer task that throws fails the rule its message names (R4.3 by default). */
    private static void advance(EmbeddedFilterChain chain, Step step, long seed) throws Exception {
        try {
            step.run();
        } catch (RuntimeException | Error e) {
            if (e instanceof AssertionError) {
                throw e;
            }
            String m = String.valueOf(e.getMessage());
            String rule = m.startsWith("R4.1") ? "R4.1" : "R4.3";
            throw new AssertionError(rule + ": a timer task threw " + e + " (seed " + seed + ")" + CONTRACT, e);
        }
    }

    // ------------------------------------------------------------------ R1.5 / R1.6: STOP and CONTINUE

    /**
     * R1.5, R1.6, as the filter must keep them: whatever it returns, a byte it does not consume is never lost. On
     * every pass a probe placed before the filter sees exactly the bytes left undrained by the previous pass followed
     * by the new read; a filter that forwards bytes ({@link #forwardsInbound()}) leaves every presented byte either
     * passed on to the end of the chain or still in the read buffer, in order (a STOP holds bytes, it does not drop
     * them). A filter that closes the connection on the kit's random input does not exercise the rule: the test is then
     * reported as skipped with the pass at which it closed, never as passed.
     */
    @Test
    public void required_r1_5_stopHoldsBytesAndContinuePassesThem() throws Exception {
        EmbeddedEnvironment env = newEnvironment();
        Probe probe = new Probe();
        EmbeddedFilterChain chain = newChain(createFactory(env), env, probe);
        SplittableRandom random = new SplittableRandom(5);
        byte[] leftover = new byte[0];
        int passes = 0;
        for (int i = 0; i < 48; i++) {
            byte[] chunk = payload(random, 1 + random.nextInt(1024));
            byte[] presented = concat(leftover, chunk);
            probe.seen.clear();
            FilterStatus status = chain.writeInbound(chunk);
            assertNoFailure(chain, "R1.5", "a pass");
            if (chain.isClosed()) {
                break;
            }
            passes++;
            assertTrue(status != null, "R1.5: a pass over " + chunk.length + " bytes ran no filter" + CONTRACT);
            assertFalse(probe.seen.isEmpty(), "R1.6: the first filter did not see the pass" + CONTRACT);
            assertArrayEquals(presented, probe.seen.get(0), "R1.6: the pass did not present the undrained bytes of "
                    + "the previous pass followed by the new read" + CONTRACT);
            byte[] passedOn = chain.readAllInbound();
            leftover = chain.connection().readBuffer().toByteArray();
            if (forwardsInbound()) {
                byte[] passed = passedOn == null ? new byte[0] : passedOn;
                assertArrayEquals(presented, concat(passed, leftover), "R1.5: of the " + presented.length + " bytes "
                        + "presented, " + passed.length + " were passed on and " + leftover.length + " are held; the "
                        + "rest was dropped (a filter that returns STOP keeps what it holds back in the buffer)"
                        + CONTRACT);
            }
        }
        Assumptions.assumeTrue(passes > 0, "R1.5 not exercised: the filter closed the connection on the kit's first "
                + "random read (a filter that validates its input)");
        awaitAsyncWork(chain);
        chain.finish();
    }

    /** R1.11: an observing filter passes every byte on, unchanged and in order. */
    @Test
    public void required_r1_11_forwardingFilterPassesEveryByteInOrder() throws Exception {
        Assumptions.assumeTrue(forwardsInbound(), "R1.11 skipped: forwardsInbound() returned false");
        EmbeddedEnvironment env = newEnvironment();
        EmbeddedFilterChain chain = newChain(createFactory(env), env);
        SplittableRandom random = new SplittableRandom(6);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (int i = 0; i < 64; i++) {
            byte[] chunk = payload(random, 1 + random.nextInt(8192));
            sent.writeBytes(chunk);
            chain.writeInbound(chunk);
        }
        chain.advanceTimeBy(1, TimeUnit.MINUTES);
        awaitAsyncWork(chain);
        assertNoFailure(chain, "R1.11", "forwarding");
        byte[] got = chain.readAllInbound();
        if (!Arrays.equals(sent.toByteArray(), got)) {
            fail("R1.11: the filter forwarded " + got.length + " of " + sent.size() + " bytes"
                    + (got.length == sent.size() ? ", changed" : "") + "; a forwarding filter must return CONTINUE "
                    + "without draining (or return false from forwardsInbound())" + CONTRACT);
        }
        chain.finish();
    }

    // ------------------------------------------------------------------ R2: the write filters the factory adds

    /**
     * R2.4: the write filters the factory adds (if any; skipped otherwise) take buffers of any size without throwing
     * and never keep them.
     */
    @Test
    public void required_r2_4_onWriteToleratesAnyBufferAndNeverKeepsIt() throws Exception {
        EmbeddedEnvironment env = newEnvironment();
        EmbeddedFilterChain chain = newChain(createFactory(env), env);
        Assumptions.assumeFalse(chain.connection().writeFilters().isEmpty(),
                "R2.4 skipped: the factory adds no write filter");
        SplittableRandom random = new SplittableRandom(7);
        chain.writeOutbound(payload(random, 1));
        chain.writeOutbound(payload(random, MIB));
        for (int i = 0; i < 16; i++) {
            chain.writeOutbound(payload(random, random.nextInt(16 * 1024)));
        }
        assertNoFailure(chain, "R2.4", "onWrite()");
        chain.advanceTimeBy(1, TimeUnit.HOURS);
        awaitAsyncWork(chain);
        assertNoFailure(chain, "R2.4", "onWrite()");
        try {
            chain.finish();
        } catch (AssertionError e) {
            throw new AssertionError("R4.1: " + e.getMessage() + CONTRACT, e);
        }
    }

    /** R2.5: an observing write filter (see {@link #forwardsOutbound()}) lets every written byte through, in order. */
    @Test
    public void required_r2_5_forwardingWriteFilterPassesEveryByteInOrder() throws Exception {
        Assumptions.assumeTrue(forwardsOutbound(), "R2.5 skipped: forwardsOutbound() returned false");
        EmbeddedEnvironment env = newEnvironment();
        EmbeddedFilterChain chain = newChain(createFactory(env), env);
        Assumptions.assumeFalse(chain.connection().writeFilters().isEmpty(),
                "R2.5 skipped: the factory adds no write filter");
        SplittableRandom random = new SplittableRandom(8);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (int i = 0; i < 64; i++) {
            byte[] chunk = payload(random, 1 + random.nextInt(8192));
            sent.writeBytes(chunk);
            chain.writeOutbound(chunk);
        }
        awaitAsyncWork(chain);
        assertNoFailure(chain, "R2.5", "forwarding writes");
        byte[] got = chain.readAllOutbound();
        if (!Arrays.equals(sent.toByteArray(), got)) {
            fail("R2.5: the write filters let " + got.length + " of " + sent.size() + " bytes through"
                    + (got.length == sent.size() ? ", changed" : "") + "; a forwarding write filter must return "
                    + "CONTINUE without changing the buffers (or return false from forwardsOutbound())" + CONTRACT);
        }
        chain.finish();
    }

    // ------------------------------------------------------------------ R1.12 / R1.13: holds end, the connection relays

    /**
     * R1.12: a filter that returns {@code STOP} from {@code onNewConnection} (skipped otherwise) ends the hold, after
     * which the terminal filter behind it ({@link EmbeddedTcpProxy}, behaving like {@code tcp_proxy}) is reached,
     * reading is enabled, and what the client sent reaches the upstream without the client sending more. The client
     * sends a first payload at once (a hold that waits for a preamble ends with it), then a minute of manual time
     * passes (a hold that waits for an asynchronous decision ends in it); then more payloads follow.
     */
    @Test
    public void required_r1_12_holdInOnNewConnectionEndsAndTheConnectionRelays() throws Exception {
        EmbeddedEnvironment env = newEnvironment();
        EmbeddedFilterChain chain = newChainBeforeTerminal(env);
        assertNoFailure(chain, "R1.12", "building the chain");
        EmbeddedTcpProxy terminal = EmbeddedTcpProxy.of(chain);
        Assumptions.assumeFalse(terminal.reached() || chain.isClosed(), "R1.12 skipped: the filter does not hold "
                + "the connection in onNewConnection (the terminal filter after it was reached at once)");
        SplittableRandom random = new SplittableRandom(12);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        byte[] first = payload(random, 1 + random.nextInt(4096));
        sent.writeBytes(first);
        chain.writeInbound(first);
        letTimePass(chain);
        assertRelayed(chain, terminal, sent, "R1.12", "after the first payload (" + first.length + " bytes) and "
                + "time passing, with no more input");
        sendMore(chain, random, sent);
        assertRelayed(chain, terminal, sent, "R1.12", "after more payloads");
        chain.finish();
    }

    /**
     * R1.13: a filter that holds bytes by returning {@code STOP} from {@code onData} (skipped when the first payload,
     * cut after its first byte, is not held) ends the hold once it has the bytes it waits for or its own asynchronous
     * work is done: the held bytes then reach the terminal filter without the client sending more.
     */
    @Test
    public void required_r1_13_holdInOnDataEndsAndTheConnectionRelays() throws Exception {
        EmbeddedEnvironment env = newEnvironment();
        EmbeddedFilterChain chain = newChainBeforeTerminal(env);
        assertNoFailure(chain, "R1.13", "building the chain");
        EmbeddedTcpProxy terminal = EmbeddedTcpProxy.of(chain);
        SplittableRandom random = new SplittableRandom(13);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        byte[] first = payload(random, 2 + random.nextInt(4096));
        boolean held = false;
        for (byte[] piece : new byte[][]{Arrays.copyOf(first, 1), Arrays.copyOfRange(first, 1, first.length)}) {
            sent.writeBytes(piece);
            chain.writeInbound(piece);
            assertNoFailure(chain, "R1.13", "onData()");
            held |= !chain.isClosed() && delivered(terminal) < (forwardsInbound() ? sent.size() : 1);
        }
        Assumptions.assumeTrue(held, "R1.13 skipped: the filter held none of the first payload (sent as 1 byte, then "
                + (first.length - 1) + ")");
        letTimePass(chain);
        assertRelayed(chain, terminal, sent, "R1.13", "after the first payload (" + first.length + " bytes, cut after "
                + "its first byte) and time passing, with no more input");
        sendMore(chain, random, sent);
        assertRelayed(chain, terminal, sent, "R1.13", "after more payloads");
        chain.finish();
    }

    /** The filter under test, then {@link EmbeddedTcpProxy} to {@link #TERMINAL_CLUSTER}; no capture filter. */
    private EmbeddedFilterChain newChainBeforeTerminal(EmbeddedEnvironment env) {
        if (!env.clusters().names().contains(TERMINAL_CLUSTER)) {
            env.clusters().add(TERMINAL_CLUSTER);
        }
        return EmbeddedFilterChain.builder().environment(env).factory(type(), createFactory(env))
                .factory(EmbeddedTcpProxy.TYPE, EmbeddedTcpProxy.factory(TERMINAL_CLUSTER)).captureInbound(false)
                .build();
    }

    /** A minute of manual time (timers run), then the filter's own asynchronous work and the tasks it queued. */
    private void letTimePass(EmbeddedFilterChain chain) throws Exception {
        chain.advanceTimeBy(1, TimeUnit.MINUTES);
        awaitAsyncWork(chain);
        chain.runPendingTasks();
    }

    private void sendMore(EmbeddedFilterChain chain, SplittableRandom random, ByteArrayOutputStream sent)
            throws Exception {
        for (int i = 0; i < 6; i++) {
            byte[] chunk = payload(random, 1 + random.nextInt(2048));
            sent.writeBytes(chunk);
            chain.writeInbound(chunk);
            chain.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        }
        letTimePass(chain);
    }

    private static int delivered(EmbeddedTcpProxy terminal) {
        EmbeddedUpstream u = terminal.upstream();
        return u == null ? 0 : u.received().length;
    }

    private void assertRelayed(EmbeddedFilterChain chain, EmbeddedTcpProxy terminal, ByteArrayOutputStream sent,
                               String rule, String when) {
        assertNoFailure(chain, rule, "the connection " + when);
        String hint = "; end a hold with continueReading() (from any thread) once the filter has decided, and undo "
                + "its own setReadDisable(true) first" + CONTRACT;
        if (chain.isClosed()) {
            fail(rule + ": the connection was closed " + when + (terminal.failure() == null ? ""
                    : " (its upstream connection failed: " + terminal.failure() + "; add the cluster the filter routes "
                    + "to in configureEnvironment())") + "; if the filter closes connections for this input, give "
                    + "it well-formed input with payload()" + CONTRACT);
        }
        assertTrue(terminal.reached(), rule + ": the terminal filter behind the filter (a stand-in for tcp_proxy, "
                + "which dials only when the chain reaches it) was never reached " + when + ": the hold never "
                + "ended" + hint);
        assertTrue(chain.readEnabled(), rule + ": reading is still disabled " + when + "; tcp_proxy would never "
                + "read the client again: every setReadDisable(true) needs its setReadDisable(false) (the calls nest, "
                + "R4.5)" + hint);
        int stuck = chain.bufferedBytes();
        assertTrue(stuck == 0, rule + ": " + stuck + " bytes the client sent are still held before the terminal "
                + "filter " + when + "; a client that waits for an answer would wait forever" + hint);
        byte[] got = terminal.upstream().received();
        if (forwardsInbound()) {
            assertArrayEquals(sent.toByteArray(), got, rule + ": the upstream received " + got.length + " of the "
                    + sent.size() + " bytes sent " + when + (got.length == sent.size() ? ", changed" : "") + hint);
        } else {
            assertTrue(got.length > 0, rule + ": the upstream received nothing of the " + sent.size() + " bytes sent "
                    + when + hint);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Records what the first filter of the chain sees on each pass. */
    private static final class Probe implements ReadFilter {
        final List<byte[]> seen = new ArrayList<>();

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            seen.add(buffer.toByteArray());
            return FilterStatus.CONTINUE;
        }
    }
}
