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
