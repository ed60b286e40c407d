package io.ferry.testkit.contract;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.SharedState;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import io.ferry.testkit.embedded.EmbeddedFilterConfig;
import io.ferry.testkit.embedded.ServiceLoaderProviders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract of a {@link NetworkFilterFactoryProvider} and the factories it creates (rules R3.x of
 * {@code FILTER-CONTRACT.md}), as abstract JUnit 5 tests. Extend it (or {@link ReadFilterContractTest}, which adds
 * the read-filter rules) and implement two hooks:
 *
 * <pre>{@code
 * class AuditFilterContractTest extends ReadFilterContractTest {
 *     protected String type() { return "acme.audit"; }
 *     protected String validConfig() { return "{\"max_line\": 80}"; }
 *     protected List<String> invalidConfigs() { return List.of("{\"max_line\": -1}", "{\"max_line\": \"x\"}"); }
 * }
 * }</pre>
 *
 * <p>Test names start with {@code required_} and cite their rule ({@code required_r3_4_...}); failure messages start
 * with the rule number. A hook returning {@code null} skips its tests, reported as skipped with the reason. The kit
 * reads no system property.
 */
public abstract class FilterProviderContractTest {

    /** Where the rules are written. */
    protected static final String CONTRACT = " (see FILTER-CONTRACT.md)";

    /** {@code <json-path>: <value> (expected: <what>)}. */
    private static final Pattern CONFIG_ERROR = Pattern.compile("^(\\S+): (.+) \\(expected: (.+)\\)$", Pattern.DOTALL);

    /** How many connections on how many threads R3.6 runs at once. */
    private static final int THREADS = 4;

    /** How many times the shared-state check of R3.6 runs {@link #THREADS} connections at once. */
    private static final int ROUNDS = 8;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<EmbeddedEnvironment> environments = new ArrayList<>();

    /**
     * Closes the {@link AutoCloseable} factories the test created, releasing their threads and files, then the plugin
     * scopes of the environments it created, as the runtime does when it stops.
     */
    @AfterEach
    public void closeFactories() throws Exception {
        Exception first = null;
        List<AutoCloseable> all = new ArrayList<>(toClose);
        all.addAll(environments);
        environments.clear();
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        toClose.clear();
        if (first != null) {
            throw first;
        }
    }

    // ------------------------------------------------------------------ hooks

    /** The filter's {@code type} as written in configs, e.g. {@code "acme.audit"}. */
    protected abstract String type();

    /** A valid {@code config} object, as JSON. */
    protected abstract String validConfig();

    /**
     * Configs that {@code create} must refuse with {@link FilterConfigException}; {@code null} (the default) skips
     * R3.4, reported as skipped.
     */
    protected List<String> invalidConfigs() {
        return null;
    }

    /**
     * How the provider is found; by default {@link java.util.ServiceLoader} on the context class loader, as the
     * runtime's class path. A plugin-directory variant overrides this.
     */
    protected NetworkFilterFactoryProvider loadProvider(String type) {
        return ServiceLoaderProviders.load(type, Thread.currentThread().getContextClassLoader());
    }

    /** Prepares the environment before a factory is created (register services, admin prerequisites, …). */
    protected void configureEnvironment(EmbeddedEnvironment environment) {
    }

    /**
     * Random bytes the kit feeds the filter. Override to give a filter that parses a protocol well-formed input; the
     * default is uniformly random.
     */
    protected byte[] payload(SplittableRandom random, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    // ------------------------------------------------------------------ helpers for the kit and subclasses

    /** The provider under test, through {@link #loadProvider}. */
    protected final NetworkFilterFactoryProvider provider() {
        NetworkFilterFactoryProvider p;
        try {
            p = loadProvider(type());
        } catch (RuntimeException e) {
            throw new AssertionError("R3.1: the provider of type \"" + type() + "\" could not be loaded: "
                    + e.getMessage() + CONTRACT, e);
        }
        assertNotNull(p, "R3.1: loadProvider(\"" + type() + "\") returned null" + CONTRACT);
        return p;
    }

    /** A new environment (one runtime), prepared by {@link #configureEnvironment}; closed after the test. */
    protected final EmbeddedEnvironment newEnvironment() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        environments.add(env);
        configureEnvironment(env);
        return env;
    }

    /**
     * What the factory declares its connections share on purpose ({@link SharedState} on the factory's or the
     * provider's class), or {@code null} if nothing: decides how R3.6 is checked.
     */
    protected final String declaredSharedState(NetworkFilterChainFactory factory) {
        for (Class<?> c : List.of(factory.getClass(), provider().getClass())) {
            SharedState s = c.getAnnotation(SharedState.class);
            if (s != null) {
                return s.value();
            }
        }
        return null;
    }

    /**
     * A factory created from {@link #validConfig()} in {@code environment} (and initialised, if it is a
     * {@link io.ferry.filter.api.FactoryInitializer}). A factory that is {@link AutoCloseable} is closed after the
     * test, as the runtime closes it when it stops.
     */
    protected final NetworkFilterChainFactory createFactory(EmbeddedEnvironment environment) {
        NetworkFilterFactoryProvider p = provider();
        try {
            NetworkFilterChainFactory f = p.create(new EmbeddedFilterConfig(type(), EmbeddedFilterConfig.DEFAULT_PATH,
                    validConfig(), environment));
            assertNotNull(f, "R3.3: create(validConfig()) returned null" + CONTRACT);
            if (f instanceof AutoCloseable) {
                toClose.add((AutoCloseable) f);
            }
            if (f instanceof io.ferry.filter.api.FactoryInitializer) {
                ((io.ferry.filter.api.FactoryInitializer) f).init(io.ferry.testkit.embedded.EmbeddedListener.DEFAULT);
            }
            return f;
        } catch (FilterConfigException e) {
            throw new AssertionError("R3.3: create(validConfig()) refused the valid config: " + e.getMessage()
                    + CONTRACT, e);
        }
    }

    /** A harness running {@code before} (probes), then {@code factory}'s filters, then the capture filter. */
    protected final EmbeddedFilterChain newChain(NetworkFilterChainFactory factory, EmbeddedEnvironment environment,
                                                 ReadFilter... before) {
        EmbeddedFilterChain.Builder b = EmbeddedFilterChain.builder().environment(environment);
        if (before.length > 0) {
            b.factory("ferry.testkit.probe", (ctx, cb) -> {
                for (ReadFilter f : before) {
                    cb.addReadFilter(f);
                }
            });
        }
        return b.factory(type(), factory).build();
    }

    /**
     * Checks a harness for filter failures, citing {@code rule} (or R4.1 for a buffer used after its callback, R1.9
     * for a {@code null} status).
     */
    protected static void assertNoFailure(EmbeddedFilterChain chain, String rule, String what) {
        try {
            chain.checkException();
        } catch (RuntimeException | Error e) {
            String m = String.valueOf(e.getMessage());
            String broken = m.startsWith("R4.1") ? "R4.1" : m.contains(" returned null from ") ? "R1.9" : rule;
            throw new AssertionError(broken + ": " + what + " failed: " + e + CONTRACT, e);
        }
    }

    // ------------------------------------------------------------------ R3

    @Test
    public void required_r3_1_providerIsFoundThroughServiceLoaderByType() {
        NetworkFilterFactoryProvider p = provider();
        assertEquals(type(), p.type(), "R3.1: the provider found for \"" + type() + "\" reports type() \"" + p.type()
                + "\"" + CONTRACT);
    }

    /** R3.2: the same rule as the registry's ({@link FilterApi#incompatibility}), so what the kit accepts loads. */
    @Test
    public void required_r3_2_apiVersionIsCompatible() {
        String v = provider().apiVersion();
        FilterApi.incompatibility(v).ifPresent(advice -> fail("R3.2: apiVersion() "
                + (v == null ? "null" : "\"" + v + "\"") + " is not compatible with filter-api " + FilterApi.VERSION
                + ", so the runtime would refuse the provider: " + advice + CONTRACT));
    }

    @Test
    public void required_r3_3_validConfigCreatesFactory() {
        assertNotNull(createFactory(newEnvironment()));
    }

    @TestFactory
    public Stream<DynamicTest> required_r3_4_invalidConfigRaisesFilterConfigException() {
        List<String> configs = invalidConfigs();
        Assumptions.assumeTrue(configs != null, "R3.4 skipped: invalidConfigs() returned null");
        Assumptions.assumeFalse(configs.isEmpty(), "R3.4 skipped: invalidConfigs() is empty");
        return configs.stream().map(c -> DynamicTest.dynamicTest("R3.4 " + c, () -> assertRefused(c)));
    }

    private void assertRefused(String config) {
        NetworkFilterFactoryProvider p = provider();
        EmbeddedFilterConfig fc = new EmbeddedFilterConfig(type(), EmbeddedFilterConfig.DEFAULT_PATH, config,
                newEnvironment());
        try {
            NetworkFilterChainFactory accepted = p.create(fc);
            if (accepted instanceof AutoCloseable) {
                toClose.add((AutoCloseable) accepted);
            }
        } catch (FilterConfigException e) {
            String m = e.getMessage();
            Matcher matcher = CONFIG_ERROR.matcher(m == null ? "" : m);
            assertTrue(matcher.matches(), "R3.4: the message of the FilterConfigException for " + config + " is \""
                    + m + "\" (expected: <json-path>: <value> (expected: ...))" + CONTRACT);
            assertTrue(matcher.group(1).startsWith(fc.path()), "R3.4: the message for " + config + " names the path \""
                    + matcher.group(1) + "\" (expected: a path under FilterConfig.path() \"" + fc.path() + "\")"
                    + CONTRACT);
            return;
        } catch (Throwable t) {
            fail("R3.4: create(" + config + ") threw " + t.getClass().getName() + " (expected: "
                    + "FilterConfigException in the format <json-path>: <value> (expected: ...))" + CONTRACT, t);
        }
        fail("R3.4: create(" + config + ") accepted an invalid config (expected: FilterConfigException)" + CONTRACT);
    }

    @Test
    public void required_r3_5_createFilterChainAddsFreshInstancesPerConnection() {
        EmbeddedEnvironment env = newEnvironment();
        NetworkFilterChainFactory factory = createFactory(env);
        EmbeddedFilterChain first = newChain(factory, env);
        EmbeddedFilterChain second = newChain(factory, env);
        assertNoFailure(first, "R3.5", "building the first connection's chain");
        try {
            second.checkException();
        } catch (IllegalStateException e) {
            throw new AssertionError("R3.5: createFilterChain() added to a second connection a filter instance of "
                    + "the first: " + e.getMessage() + CONTRACT, e);
        }
        Set<Object> a = filtersOf(first);
        Set<Object> b = filtersOf(second);
        assertFalse(a.isEmpty(), "R3.5: createFilterChain() added no filter" + CONTRACT);
        for (Object f : b) {
            assertFalse(a.contains(f), "R3.5: filter instance " + f + " was added to two connections" + CONTRACT);
        }
        first.finish();
        second.finish();
    }

    private static Set<Object> filtersOf(EmbeddedFilterChain chain) {
        Set<Object> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(chain.connection().readFilters());
        set.addAll(chain.connection().writeFilters());
        set.removeIf(f -> f.getClass().getName().startsWith(EmbeddedFilterChain.class.getName()));
        return set;
    }

    /**
     * R3.6: one factory, {@value #THREADS} connections on {@value #THREADS} threads at once. Each connection's
     * observable output (bytes reaching the end of the chain, bytes written, closed or not) must equal what the same
     * input gives on a connection of its own. Skipped, saying why, for a factory that declares {@link SharedState}:
     * its connections may change each other's results on purpose, and
     * {@link #required_r3_6_sharedStateIsThreadSafeAndReturnsWhenConnectionsClose} checks it instead.
     */
    @Test
    public void required_r3_6_connectionsOnSeveralThreadsDoNotInterfere() throws Exception {
        EmbeddedEnvironment env = newEnvironment();
        NetworkFilterChainFactory factory = createFactory(env);
        String shared = declaredSharedState(factory);
        Assumptions.assumeTrue(shared == null, "R3.6 isolation skipped: the factory declares @SharedState(\""
                + shared + "\"); its shared state is checked by required_r3_6_sharedStateIsThreadSafe...");
        List<List<byte[]>> inputs = inputs(0x5EED, THREADS);
        List<Output> expected = new ArrayList<>();
        for (List<byte[]> chunks : inputs) {
            expected.add(run(factory, env, chunks, null));
        }
        List<Output> got = concurrently(factory, env, inputs);
        for (int t = 0; t < THREADS; t++) {
            Output want = expected.get(t);
            assertArrayEquals(want.inbound, got.get(t).inbound, "R3.6: connection " + t + " passed different bytes "
                    + "on when other connections ran at the same time (declare @SharedState if the factory's "
                    + "connections share state on purpose)" + CONTRACT);
            assertArrayEquals(want.outbound, got.get(t).outbound, "R3.6: connection " + t + " wrote different bytes"
                    + " when other connections ran at the same time" + CONTRACT);
            assertEquals(want.closed, got.get(t).closed, "R3.6: connection " + t + " closed differently when other "
                    + "connections ran at the same time" + CONTRACT);
        }
    }

    /**
     * R3.6, shared state: {@value #ROUNDS} rounds of {@value #THREADS} connections on {@value #THREADS} threads at
     * once, through one factory, must not fail (no exception, no contract violation: a shared structure that is not
     * thread-safe tends to throw), and once they have all closed, a new connection must give exactly what the first
     * connection gave alone: state the connections share must return to where it started (a connection limit whose
     * count lost an update under concurrency refuses the next connection). Runs for every factory; for one without
     * {@link SharedState} it finds state shared by accident.
     */
    @Test
    public void required_r3_6_sharedStateIsThreadSafeAndReturnsWhenConnectionsClose() throws Exception {
        EmbeddedEnvironment env = newEnvironment();
        NetworkFilterChainFactory factory = createFactory(env);
        String shared = declaredSharedState(factory);
        List<byte[]> probe = inputs(0xF1257, 1).get(0);
        Output alone = run(factory, env, probe, null);
        for (int round = 0; round < ROUNDS; round++) {
            concurrently(factory, env, inputs(0x5EED + 31L * round, THREADS));
        }
        Output after = run(factory, env, probe, null);
        String what = shared == null ? "" : " (the factory shares \"" + shared + "\")";
        String message = "R3.6: after " + ROUNDS * THREADS + " connections on " + THREADS + " threads had closed, a "
                + "new connection %s than the first connection did alone; state its connections share" + what
                + " must be thread-safe and return to its initial state when they close" + CONTRACT;
        assertArrayEquals(alone.inbound, after.inbound, String.format(message, "passed different bytes on"));
        assertArrayEquals(alone.outbound, after.outbound, String.format(message, "wrote different bytes"));
        assertEquals(alone.closed, after.closed, String.format(message, alone.closed ? "stayed open, other"
                : "was closed, other"));
    }

    private List<List<byte[]>> inputs(long seed, int connections) {
        List<List<byte[]>> inputs = new ArrayList<>();
        for (int t = 0; t < connections; t++) {
            SplittableRandom random = new SplittableRandom(seed + t);
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                chunks.add(payload(random, 1 + random.nextInt(2048)));
            }
            inputs.add(chunks);
        }
        return inputs;
    }

    /** Runs one connection per input, each on its own thread, all starting together; their outputs in order. */
    private List<Output> concurrently(NetworkFilterChainFactory factory, EmbeddedEnvironment env,
                                      List<List<byte[]>> inputs) throws Exception {
        CyclicBarrier start = new CyclicBarrier(inputs.size());
        ExecutorService pool = Executors.newFixedThreadPool(inputs.size());
        try {
            List<Future<Output>> results = new ArrayList<>();
            for (List<byte[]> chunks : inputs) {
                results.add(pool.submit(() -> run(factory, env, chunks, start)));
            }
            List<Output> out = new ArrayList<>();
            for (Future<Output> f : results) {
                try {
                    out.add(f.get(30, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof AssertionError a) {
                        throw a;
                    }
                    throw new AssertionError("R3.6: a connection running at the same time as others failed: "
                            + e.getCause() + CONTRACT, e.getCause());
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private record Output(byte[] inbound, byte[] outbound, boolean closed) {
    }

    private Output run(NetworkFilterChainFactory factory, EmbeddedEnvironment env, List<byte[]> chunks,
                       CyclicBarrier start) throws Exception {
        EmbeddedFilterChain chain = newChain(factory, env);
        if (start != null) {
            start.await(30, TimeUnit.SECONDS);
        }
        for (byte[] c : chunks) {
            chain.writeInbound(c);
        }
        assertNoFailure(chain, "R3.6", "a connection");
        Output out = new Output(chain.readAllInbound(), chain.readAllOutbound(), chain.isClosed());
        chain.finish();
        return out;
    }

}
