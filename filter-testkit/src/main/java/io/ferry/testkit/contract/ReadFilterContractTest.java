package io.ferry.testkit.contract;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
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
 * <p>Optional hooks: {@link #forwardsBytes()} (true by default, for observers such as tcpcopy; return false for a
 * terminal or transforming filter, which skips R1.11 and R2.5), {@link #awaitAsyncWork} (for filters with threads of
 * their own) and {@link #payload} (well-formed input for protocol filters).
 */
public abstract class ReadFilterContractTest extends FilterProviderContractTest {

    private static final int MIB = 1024 * 1024;

    /**
     * True if the filter lets every byte reach the next filter unchanged and in order (an observer); false for a
     * filter that drains, transforms or holds bytes, which skips R1.11.
     */
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

    // ------------------------------------------------------------------ R1.5 / R1.6: STOP and CONTINUE

    /**
     * R1.5, R1.6, as the filter must keep them: whatever it returns, a byte it does not consume is never lost. On
     * every pass a probe placed before the filter sees exactly the bytes left undrained by the previous pass followed
     * by the new read; a filter that forwards bytes ({@link #forwardsBytes()}) leaves every presented byte either
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
            if (forwardsBytes()) {
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
        Assumptions.assumeTrue(forwardsBytes(), "R1.11 skipped: forwardsBytes() returned false");
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
                    + "without draining (or return false from forwardsBytes())" + CONTRACT);
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

    /** R2.5: an observing write filter (see {@link #forwardsBytes()}) lets every written byte through, in order. */
    @Test
    public void required_r2_5_forwardingWriteFilterPassesEveryByteInOrder() throws Exception {
        Assumptions.assumeTrue(forwardsBytes(), "R2.5 skipped: forwardsBytes() returned false");
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
                    + (got.length == sent.size() ? ", changed" : "") + CONTRACT);
        }
        chain.finish();
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
