package io.ferry.testkit.contract;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterChainContext;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.NetworkFilterChainFactoryCallbacks;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.SharedState;
import io.ferry.filter.api.WriteFilter;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.opentest4j.TestAbortedException;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit must fail filters that break the contract, and say which rule they broke. */
class ContractKitCatchesViolationsTest {

    /** What a provider's create() does. */
    interface Create {
        NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException;
    }

    /** A provider of type "bad" whose create() is {@code create}. */
    static NetworkFilterFactoryProvider provider(String apiVersion, Create create) {
        return new NetworkFilterFactoryProvider() {
            @Override
            public String type() {
                return "bad";
            }

            @Override
            public String apiVersion() {
                return apiVersion;
            }

            @Override
            public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {
                return create.create(config);
            }
        };
    }

    static ReadFilterContractTest kit(NetworkFilterFactoryProvider p, List<String> invalid) {
        return new ReadFilterContractTest() {
            @Override
            protected String type() {
                return "bad";
            }

            @Override
            protected String validConfig() {
                return "{}";
            }

            @Override
            protected List<String> invalidConfigs() {
                return invalid;
            }

            @Override
            protected NetworkFilterFactoryProvider loadProvider(String type) {
                return p;
            }
        };
    }

    static ReadFilterContractTest kitFor(ReadFilter... perConnection) {
        return kit(provider(FilterApi.VERSION, c -> (ctx, cb) -> cb.addReadFilter(newInstance(perConnection[0]))),
                null);
    }

    static ReadFilter newInstance(ReadFilter prototype) {
        try {
            return prototype.getClass().getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertViolation(String rule, Executable test) {
        AssertionError e = assertThrows(AssertionError.class, test);
        assertTrue(e.getMessage().startsWith(rule + ":"), "expected a failure citing " + rule + ", got: "
                + e.getMessage());
        assertTrue(e.getMessage().contains("FILTER-CONTRACT.md"), e.getMessage());
    }

    /** Holds every other read back with STOP, but drains it first: the held bytes are lost. */
    public static final class DroppingStopper implements ReadFilter {
        int calls;

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            if (calls++ % 2 == 0) {
                buffer.drain(buffer.length());
                return FilterStatus.STOP;
            }
            return FilterStatus.CONTINUE;
        }
    }

    /** Closes its connection on any byte. */
    public static final class Closer implements ReadFilter {
        private io.ferry.filter.api.ReadFilterCallbacks callbacks;

        @Override
        public void initializeReadFilterCallbacks(io.ferry.filter.api.ReadFilterCallbacks cb) {
            this.callbacks = cb;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            callbacks.connection().close(io.ferry.filter.api.ConnectionCloseType.NO_FLUSH,
                    io.ferry.filter.api.ConnectionEvent.LOCAL_CLOSE);
            return FilterStatus.STOP;
        }
    }

    @Test
    void r1_5_aFilterThatDropsWhatItHoldsWithStopFailsAndOneThatClosesIsSkippedNotPassed() {
        assertViolation("R1.5", () -> kitFor(new DroppingStopper()).required_r1_5_stopHoldsBytesAndContinuePassesThem());
        assertThrows(TestAbortedException.class, () -> kitFor(new Closer())
                .required_r1_5_stopHoldsBytesAndContinuePassesThem());
    }

    public static final class Keeper implements ReadFilter {
        IoBuffer last;

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            if (last != null) {
                last.length();
            }
            last = buffer;
            return FilterStatus.CONTINUE;
        }
    }

    public static final class NullReturner implements ReadFilter {
        @Override
        public FilterStatus onData(IoBuffer buffer) {
            return null;
        }
    }

    public static final class Drainer implements ReadFilter {
        @Override
        public FilterStatus onData(IoBuffer buffer) {
            buffer.drain(buffer.length());
            return FilterStatus.CONTINUE;
        }
    }

    public static final class Thrower implements ReadFilter {
        @Override
        public FilterStatus onData(IoBuffer buffer) {
            if (buffer.length() > 1000) {
                throw new ArrayIndexOutOfBoundsException(1000);
            }
            return FilterStatus.CONTINUE;
        }
    }

    /**
     * Holds in onNewConnection and disables reading; a timer ends the hold with continueReading() but forgets its
     * setReadDisable(false): tcp_proxy dials, yet the client is never read again.
     */
    public static final class HoldsAndLeavesReadingDisabled implements ReadFilter {
        ReadFilterCallbacks callbacks;

        @Override
        public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus onNewConnection() {
            callbacks.connection().setReadDisable(true);
            SCHEDULER.get().schedule(callbacks::continueReading, 100, TimeUnit.MILLISECONDS);
            return FilterStatus.STOP;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            return FilterStatus.CONTINUE;
        }
    }

    /** The same hold done right: the timer re-enables reading, then continues. */
    public static final class HoldsInOnNewConnectionUntilATimer implements ReadFilter {
        ReadFilterCallbacks callbacks;
        boolean decided;

        @Override
        public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus onNewConnection() {
            callbacks.connection().setReadDisable(true);
            SCHEDULER.get().schedule(() -> callbacks.connection().execute(() -> {
                decided = true;
                callbacks.connection().setReadDisable(false);
                callbacks.continueReading();
            }), 100, TimeUnit.MILLISECONDS);
            return FilterStatus.STOP;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            return decided ? FilterStatus.CONTINUE : FilterStatus.STOP;
        }
    }

    public static final class PassThrough implements ReadFilter {
        @Override
        public FilterStatus onData(IoBuffer buffer) {
            return FilterStatus.CONTINUE;
        }
    }

    /** Holds every byte forever: the terminal filter behind it is never reached. */
    public static final class HoldsForever implements ReadFilter {
        @Override
        public FilterStatus onNewConnection() {
            return FilterStatus.STOP;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            return FilterStatus.STOP;
        }
    }

    /**
     * Holds the first bytes until a timer decides, but only records the decision: the bytes move on with the client's
     * next read, which a client waiting for an answer never sends.
     */
    public static final class HoldsInOnDataButNeverContinues implements ReadFilter {
        volatile boolean decided;
        boolean timerStarted;

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            if (decided) {
                return FilterStatus.CONTINUE;
            }
            if (!timerStarted) {
                timerStarted = true;
                SCHEDULER.get().schedule(() -> decided = true, 100, TimeUnit.MILLISECONDS);
            }
            return FilterStatus.STOP;
        }
    }

    /** The same hold done right: the timer continues the pass. */
    public static final class HoldsInOnDataUntilATimer implements ReadFilter {
        ReadFilterCallbacks callbacks;
        volatile boolean decided;
        boolean timerStarted;

        @Override
        public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            if (decided) {
                return FilterStatus.CONTINUE;
            }
            if (!timerStarted) {
                timerStarted = true;
                SCHEDULER.get().schedule(() -> {
                    decided = true;
                    callbacks.continueReading();
                }, 100, TimeUnit.MILLISECONDS);
            }
            return FilterStatus.STOP;
        }
    }

    /** The scheduler of the environment the filter's factory was created in (set by {@link #kitWithScheduler}). */
    static final ThreadLocal<io.ferry.filter.api.spi.FilterScheduler> SCHEDULER = new ThreadLocal<>();

    /** A kit for {@code prototype}'s class whose factory hands new instances the environment's scheduler. */
    static ReadFilterContractTest kitWithScheduler(ReadFilter prototype) {
        return kit(provider(FilterApi.VERSION, c -> {
            io.ferry.filter.api.spi.FilterScheduler scheduler = c.environment().scheduler();
            return (ctx, cb) -> {
                SCHEDULER.set(scheduler);
                cb.addReadFilter(newInstance(prototype));
            };
        }), null);
    }

    @Test
    void aHoldThatLeavesReadingDisabledBreaksR1_12() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> kitWithScheduler(new HoldsAndLeavesReadingDisabled())
                        .required_r1_12_holdInOnNewConnectionEndsAndTheConnectionRelays());
        assertTrue(e.getMessage().startsWith("R1.12: reading is still disabled"), e.getMessage());
    }

    @Test
    void aHoldThatNeverEndsBreaksR1_12() {
        AssertionError e = assertThrows(AssertionError.class, () -> kitWithScheduler(new HoldsForever())
                .required_r1_12_holdInOnNewConnectionEndsAndTheConnectionRelays());
        assertTrue(e.getMessage().startsWith("R1.12: the terminal filter behind the filter (a stand-in for tcp_proxy,"
                + " which dials only when the chain reaches it) was never reached"), e.getMessage());
        assertViolation("R1.13", () -> kitWithScheduler(new HoldsForever())
                .required_r1_13_holdInOnDataEndsAndTheConnectionRelays());
    }

    @Test
    void aHoldInOnDataThatWaitsForTheNextReadBreaksR1_13() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> kitWithScheduler(new HoldsInOnDataButNeverContinues())
                        .required_r1_13_holdInOnDataEndsAndTheConnectionRelays());
        assertTrue(e.getMessage().startsWith("R1.13: "), e.getMessage());
        assertTrue(e.getMessage().contains("still held before the terminal filter after the first payload"),
                e.getMessage());
        assertTrue(e.getMessage().contains("FILTER-CONTRACT.md"), e.getMessage());
    }

    @Test
    void holdsThatEndRightPassR1_12AndR1_13() throws Exception {
        kitWithScheduler(new HoldsInOnNewConnectionUntilATimer())
                .required_r1_12_holdInOnNewConnectionEndsAndTheConnectionRelays();
        kitWithScheduler(new HoldsInOnDataUntilATimer()).required_r1_13_holdInOnDataEndsAndTheConnectionRelays();
        assertThrows(TestAbortedException.class, () -> kitWithScheduler(new HoldsInOnDataUntilATimer())
                        .required_r1_12_holdInOnNewConnectionEndsAndTheConnectionRelays(),
                "a filter that does not hold in onNewConnection skips R1.12");
        assertThrows(TestAbortedException.class, () -> kitFor(new PassThrough())
                        .required_r1_13_holdInOnDataEndsAndTheConnectionRelays(),
                "a filter that holds nothing skips R1.13");
    }

    @Test
    void keepingTheBufferBreaksR4_1() {
        assertViolation("R4.1", () -> kitFor(new Keeper()).required_r4_1_onDataNeverKeepsTheBuffer());
    }

    @Test
    void keepingTheBufferForATimerBreaksR4_1() {
        ReadFilterContractTest kit = kit(provider(FilterApi.VERSION, c -> (ctx, cb) -> cb.addReadFilter(buffer -> {
            c.environment().scheduler().schedule(buffer::toByteArray, 1, TimeUnit.MINUTES);
            return FilterStatus.CONTINUE;
        })), null);
        assertViolation("R4.1", kit::required_r4_1_onDataNeverKeepsTheBuffer);
    }

    @Test
    void keepingAWriteBufferBreaksR4_1() {
        final class WriteKeeper implements io.ferry.filter.api.WriteFilter {
            IoBuffer last;

            @Override
            public FilterStatus onWrite(List<IoBuffer> buffers) {
                if (last != null) {
                    last.length();
                }
                last = buffers.get(0);
                return FilterStatus.CONTINUE;
            }
        }
        ReadFilterContractTest kit = kit(provider(FilterApi.VERSION,
                c -> (ctx, cb) -> cb.addWriteFilter(new WriteKeeper())), null);
        assertViolation("R4.1", kit::required_r2_4_onWriteToleratesAnyBufferAndNeverKeepsIt);
    }

    @Test
    void throwingOnLargeBuffersBreaksR4_2() {
        assertViolation("R4.2", () -> kitFor(new Thrower()).required_r4_2_onDataToleratesOneMebibyte());
    }

    @Test
    void returningNullBreaksR1_9() {
        assertViolation("R1.9", () -> kitFor(new NullReturner()).required_r4_2_onDataToleratesOneByte());
    }

    @Test
    void drainingWhileClaimingToForwardBreaksR1_11() {
        assertViolation("R1.11", () -> kitFor(new Drainer()).required_r1_11_forwardingFilterPassesEveryByteInOrder());
    }

    @Test
    void sharingOneInstanceBreaksR3_5() {
        Keeper shared = new Keeper();
        ReadFilterContractTest kit = kit(provider(FilterApi.VERSION, c -> (ctx, cb) -> cb.addReadFilter(shared)), null);
        assertViolation("R3.5", kit::required_r3_5_createFilterChainAddsFreshInstancesPerConnection);
    }

    @Test
    void closeableFactoriesAreClosedAfterEachTest() throws Exception {
        List<String> closed = new java.util.ArrayList<>();
        final class Closing implements NetworkFilterChainFactory, AutoCloseable {
            @Override
            public void createFilterChain(io.ferry.filter.api.FilterChainContext ctx,
                                          io.ferry.filter.api.NetworkFilterChainFactoryCallbacks cb) {
                cb.addReadFilter(new NullReturner());
            }

            @Override
            public void close() {
                closed.add("closed");
            }
        }
        ReadFilterContractTest kit = kit(provider(FilterApi.VERSION, c -> new Closing()), null);
        kit.required_r3_5_createFilterChainAddsFreshInstancesPerConnection();
        kit.required_r3_3_validConfigCreatesFactory();
        kit.closeFactories();
        assertEquals(List.of("closed", "closed"), closed, "every factory the tests created is closed");

        closed.clear();
        io.ferry.testkit.embedded.EmbeddedFilterChain chain = io.ferry.testkit.embedded.EmbeddedFilterChain.builder()
                .provider(provider(FilterApi.VERSION, c -> new Closing())).build();
        chain.finish();
        assertEquals(List.of("closed"), closed, "the harness closes the factories it created");
    }

    @Test
    void aNewerApiVersionBreaksR3_2() {
        ReadFilterContractTest kit = kit(provider("1.99", c -> (ctx, cb) -> { }), null);
        assertViolation("R3.2", kit::required_r3_2_apiVersionIsCompatible);
    }

    /** R3.2 is the registry's rule ({@link FilterApi#incompatibility}): what one accepts, the other accepts. */
    @Test
    void r3_2AcceptsExactlyTheVersionsTheRegistryAccepts() {
        for (String v : new String[] {"1.0", "1.0.1", FilterApi.VERSION, FilterApi.VERSION + ".7"}) {
            kit(provider(v, c -> (ctx, cb) -> { }), null).required_r3_2_apiVersionIsCompatible();
        }
        for (String v : new String[] {"1.99", "2.0", "0.9", "latest", "1", null}) {
            ReadFilterContractTest kit = kit(provider(v, c -> (ctx, cb) -> { }), null);
            AssertionError e = assertThrows(AssertionError.class, kit::required_r3_2_apiVersionIsCompatible,
                    String.valueOf(v));
            assertTrue(e.getMessage().startsWith("R3.2: "), e.getMessage());
            assertTrue(e.getMessage().contains(FilterApi.incompatibility(v).orElseThrow()),
                    "the kit gives the registry's advice: " + e.getMessage());
        }
    }

    @Test
    void aWrongTypeBreaksR3_1() {
        ReadFilterContractTest kit = new ReadFilterContractTest() {
            @Override
            protected String type() {
                return "testkit.linecounter.typo";
            }

            @Override
            protected String validConfig() {
                return "{}";
            }
        };
        assertViolation("R3.1", kit::required_r3_1_providerIsFoundThroughServiceLoaderByType);
    }

    @Test
    void invalidConfigAnswersR3_4() throws Throwable {
        NetworkFilterFactoryProvider npe = provider(FilterApi.VERSION, c -> {
            Object limit = c.asMap().get("limit");
            if (limit.toString().isEmpty()) {
                return null;
            }
            return (ctx, cb) -> { };
        });
        List<DynamicTest> tests = kit(npe, List.of("{}")).required_r3_4_invalidConfigRaisesFilterConfigException()
                .collect(Collectors.toList());
        assertViolation("R3.4", tests.get(0).getExecutable());

        NetworkFilterFactoryProvider badMessage = provider(FilterApi.VERSION, c -> {
            throw new FilterConfigException("limit", "limit is wrong", (Throwable) null);
        });
        List<DynamicTest> bad = kit(badMessage, List.of("{\"limit\": 0}"))
                .required_r3_4_invalidConfigRaisesFilterConfigException().collect(Collectors.toList());
        assertViolation("R3.4", bad.get(0).getExecutable());

        assertThrows(TestAbortedException.class,
                () -> kit(badMessage, null).required_r3_4_invalidConfigRaisesFilterConfigException(),
                "invalidConfigs() returning null skips R3.4");
    }

    @Test
    void theKitAcceptsTheVersionsTheRegistryAcceptsAndRefusesTheOthersWithItsAdvice() {
        for (String ok : List.of(FilterApi.VERSION, "1.0.1", "1.0")) {
            kit(provider(ok, c -> (ctx, cb) -> { }), null).required_r3_2_apiVersionIsCompatible();
        }
        AssertionError e = assertThrows(AssertionError.class,
                () -> kit(provider("2.0", c -> (ctx, cb) -> { }), null).required_r3_2_apiVersionIsCompatible());
        assertTrue(e.getMessage().startsWith("R3.2: apiVersion() \"2.0\" is not compatible with filter-api "
                + FilterApi.VERSION + ", so the runtime would refuse the provider: build it against filter-api 1.x"), e.getMessage());
        e = assertThrows(AssertionError.class,
                () -> kit(provider("one", c -> (ctx, cb) -> { }), null).required_r3_2_apiVersionIsCompatible());
        assertTrue(e.getMessage().contains("must return the \"major.minor\" version"), e.getMessage());
    }

    @Test
    void harnessConnectionsHaveDistinctIds() throws Exception {
        io.ferry.testkit.embedded.EmbeddedFilterChain a = io.ferry.testkit.embedded.EmbeddedFilterChain.builder()
                .factory("t", (ctx, cb) -> { }).build();
        io.ferry.testkit.embedded.EmbeddedFilterChain b = io.ferry.testkit.embedded.EmbeddedFilterChain.builder()
                .factory("t", (ctx, cb) -> { }).build();
        assertNotEquals(a.connection().id(), b.connection().id(), "Connection.id() is unique");
    }

    // ------------------------------------------------------------------ R4.3: timers off the connection's thread

    /** Closes the connection a second after it opened unless a filter chose an upstream: reads it on the timer. */
    public static final class RacyTimeout implements ReadFilter {
        final FilterScheduler scheduler;
        final boolean hop;
        ReadFilterCallbacks callbacks;

        RacyTimeout(FilterScheduler scheduler, boolean hop) {
            this.scheduler = scheduler;
            this.hop = hop;
        }

        @Override
        public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus onNewConnection() {
            scheduler.schedule(() -> {
                Runnable check = () -> {
                    if (callbacks.upstreamHost() == null) {
                        callbacks.connection().close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
                    }
                };
                if (hop) {
                    callbacks.connection().execute(check);   // right: back to the connection's thread
                } else {
                    check.run();                             // wrong: connection state read on the timer thread
                }
            }, 1, TimeUnit.SECONDS);
            return FilterStatus.CONTINUE;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            return FilterStatus.CONTINUE;
        }
    }

    static ReadFilterContractTest timeoutKit(boolean hop) {
        return kit(provider(FilterApi.VERSION, c -> (ctx, cb) -> cb.addReadFilter(
                new RacyTimeout(c.environment().scheduler(), hop))), null);
    }

    @Test
    void aTimerThatReadsConnectionStateOffItsThreadBreaksR4_3() {
        assertViolation("R4.3", timeoutKit(false)::required_r4_3_timersTouchTheConnectionOnlyOnItsThread);
    }

    @Test
    void aTimerThatHopsBackToTheConnectionsThreadKeepsR4_3() throws Exception {
        ReadFilterContractTest kit = timeoutKit(true);
        kit.required_r4_3_timersTouchTheConnectionOnlyOnItsThread();
        kit.required_r4_1_onDataNeverKeepsTheBuffer();
        kit.closeFactories();
    }

    // ------------------------------------------------------------------ R3.6: shared state, declared or not

    /** Admits at most two open connections per factory; the others are closed at once. */
    static class Limit implements NetworkFilterChainFactory {
        final AtomicInteger open = new AtomicInteger();
        final boolean leaks;

        Limit(boolean leaks) {
            this.leaks = leaks;
        }

        @Override
        public void createFilterChain(FilterChainContext context, NetworkFilterChainFactoryCallbacks callbacks) {
            callbacks.addReadFilter(new ReadFilter() {
                @Override
                public void initializeReadFilterCallbacks(ReadFilterCallbacks cb) {
                    if (!leaks) {
                        cb.connection().addConnectionEventListener(e -> {
                            if (e.isClose()) {
                                open.decrementAndGet();
                            }
                        });
                    }
                    if (open.incrementAndGet() > 2) {
                        cb.connection().close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
                    }
                }

                @Override
                public FilterStatus onData(IoBuffer buffer) {
                    return FilterStatus.CONTINUE;
                }
            });
        }
    }

    @SharedState("the open-connection count of the limit")
    static final class DeclaredLimit extends Limit {
        DeclaredLimit(boolean leaks) {
            super(leaks);
        }
    }

    @Test
    void aConnectionLimitThatDoesNotDeclareItsSharedStateBreaksR3_6() {
        ReadFilterContractTest kit = kit(provider(FilterApi.VERSION, c -> new Limit(false)), null);
        assertViolation("R3.6", kit::required_r3_6_connectionsOnSeveralThreadsDoNotInterfere);
    }

    @Test
    void aDeclaredConnectionLimitKeepsR3_6() throws Exception {
        ReadFilterContractTest kit = kit(provider(FilterApi.VERSION, c -> new DeclaredLimit(false)), null);
        TestAbortedException skipped = assertThrows(TestAbortedException.class,
                kit::required_r3_6_connectionsOnSeveralThreadsDoNotInterfere);
        assertTrue(skipped.getMessage().contains("@SharedState(\"the open-connection count of the limit\")"),
                skipped.getMessage());
        kit.required_r3_6_sharedStateIsThreadSafeAndReturnsWhenConnectionsClose();
        kit.closeFactories();
    }

    @Test
    void aDeclaredLimitThatLeaksItsCountBreaksR3_6() {
        ReadFilterContractTest kit = kit(provider(FilterApi.VERSION, c -> new DeclaredLimit(true)), null);
        assertViolation("R3.6", kit::required_r3_6_sharedStateIsThreadSafeAndReturnsWhenConnectionsClose);
    }

    // ------------------------------------------------------------------ R1.11 / R2.5 per direction

    /** Forwards what it reads; upper-cases what is written. */
    public static final class ShoutingWriter implements ReadFilter, WriteFilter {
        @Override
        public FilterStatus onData(IoBuffer buffer) {
            return FilterStatus.CONTINUE;
        }

        @Override
        public FilterStatus onWrite(List<IoBuffer> buffers) {
            for (IoBuffer b : buffers) {
                byte[] bytes = b.toByteArray();
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) (bytes[i] ^ 0x20);
                }
                b.drain(bytes.length);
                b.append(bytes);
            }
            return FilterStatus.CONTINUE;
        }
    }

    static ReadFilterContractTest shoutingKit(boolean forwardsOutbound) {
        NetworkFilterFactoryProvider p = provider(FilterApi.VERSION, c -> (ctx, cb) -> {
            ShoutingWriter f = new ShoutingWriter();
            cb.addReadFilter(f);
            cb.addWriteFilter(f);
        });
        return new ReadFilterContractTest() {
            @Override
            protected String type() {
                return "bad";
            }

            @Override
            protected String validConfig() {
                return "{}";
            }

            @Override
            protected NetworkFilterFactoryProvider loadProvider(String type) {
                return p;
            }

            @Override
            protected boolean forwardsOutbound() {
                return forwardsOutbound;
            }
        };
    }

    @Test
    void eachDirectionHasItsOwnForwardingSwitch() throws Exception {
        ReadFilterContractTest honest = shoutingKit(false);
        honest.required_r1_11_forwardingFilterPassesEveryByteInOrder();   // inbound is still checked
        assertThrows(TestAbortedException.class, honest::required_r2_5_forwardingWriteFilterPassesEveryByteInOrder);
        honest.closeFactories();
        assertViolation("R2.5", shoutingKit(true)::required_r2_5_forwardingWriteFilterPassesEveryByteInOrder);
    }
}
