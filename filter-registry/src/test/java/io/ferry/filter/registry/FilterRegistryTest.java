package io.ferry.filter.registry;

import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry against real plugin jars built at test time ({@link TestPlugins}); every diagnostic is asserted
 * verbatim, because the messages are part of the product.
 */
class FilterRegistryTest {

    private static final String CLASSPATH_TYPE = "test.classpath_echo";

    @TempDir
    Path tmp;

    private Path plugins;

    @BeforeEach
    void setUp() throws Exception {
        plugins = Files.createDirectory(tmp.resolve("plugins"));
    }

    private Path plugin(String fixture) {
        return TestPlugins.jar(fixture, plugins.resolve(fixture + ".jar"));
    }

    private FilterRegistry build() throws RegistryException {
        return FilterRegistry.builder().pluginsDir(plugins).build();
    }

    private static List<String> types(FilterRegistry r) {
        return r.providers().stream().map(ProviderInfo::type).toList();
    }

    @Test
    void noPluginDirectoryFindsTheClassPathProviders() throws Exception {
        FilterRegistry r = FilterRegistry.builder().build();

        assertEquals(List.of(CLASSPATH_TYPE), types(r));
        ProviderInfo info = r.providers().get(0);
        assertEquals("io.ferry.filter.registry.testing.ClasspathEchoProvider", info.className());
        assertFalse(info.plugin());
        assertEquals(List.of(), r.problems());
        assertTrue(r.find(CLASSPATH_TYPE).isPresent());
    }

    @Test
    void emptyPluginDirectoryLoadsNothingMore() throws Exception {
        FilterRegistry r = build();

        assertEquals(List.of(CLASSPATH_TYPE), types(r));
        assertEquals(List.of(), r.problems());
    }

    @Test
    void onePluginIsFoundByTypeWithItsVersionAndJarLocation() throws Exception {
        Path jar = plugin("good");

        FilterRegistry r = build();

        assertEquals(List.of("acme.echo", CLASSPATH_TYPE), types(r));
        assertEquals(List.of(), r.problems());
        ProviderInfo info = r.providers().get(0);
        assertEquals(new ProviderInfo("acme.echo", "2.3.1", "1.1", "com.acme.echo.EchoProvider", jar.toString(), true),
                info);
        assertEquals("acme.echo  2.3.1  plugin  " + jar, info.inventoryLine());
        assertEquals("plugin", info.origin());
        NetworkFilterFactoryProvider p = r.require("acme.echo", "listeners[0].filter_chains[0].filters[0]");
        assertInstanceOf(PluginClassLoader.class, p.getClass().getClassLoader());
    }

    @Test
    void pluginClassesComeFromThePluginFirstButTheApiFromTheHost() throws Exception {
        plugin("good");

        NetworkFilterFactoryProvider p = build().find("acme.echo").orElseThrow();

        // com.acme.shared.Shared is on the test class path too (answering "host"): child-first picks the plugin's.
        assertEquals("EchoProvider(shared=plugin)", p.toString());
        assertEquals("host", com.acme.shared.Shared.origin());
        // The SPI interface is the host's, or the instance could not be used as a NetworkFilterFactoryProvider.
        assertSame(NetworkFilterFactoryProvider.class,
                p.getClass().getInterfaces()[0]);
    }

    @Test
    void eachLocationHasItsOwnClassLoader() throws Exception {
        plugin("good");
        plugin("bundled-api");

        FilterRegistry r = build();

        ClassLoader a = r.find("acme.echo").orElseThrow().getClass().getClassLoader();
        ClassLoader b = r.find("acme.bundled").orElseThrow().getClass().getClassLoader();
        assertNotSame(a, b);
    }

    @Test
    void classPathProvidersSeenAgainThroughAPluginLoaderAreNotCountedTwice() throws Exception {
        plugin("good");
        plugin("dup-a");

        FilterRegistry r = build();

        // every plugin loader sees test.classpath_echo through its parent; only the class-path scan counts it
        assertEquals(List.of("acme.dup", "acme.echo", CLASSPATH_TYPE), types(r));
        assertEquals(List.of(), r.problems());
    }

    @Test
    void unknownTypeNamesThePathTheTypesTheClosestMatchAndWhereItLooked() throws Exception {
        plugin("good");
        FilterRegistry r = build();

        UnknownFilterTypeException e = assertThrows(UnknownFilterTypeException.class,
                () -> r.require("acme.ecko", "listeners[0].filter_chains[0].filters[1]"));

        assertEquals("listeners[0].filter_chains[0].filters[1].type: \"acme.ecko\" (expected: one of [acme.echo, "
                + "test.classpath_echo]; did you mean \"acme.echo\"?). Looked on the class path (1 provider) and in "
                + "plugin directory " + plugins + " (1 location, 1 provider, 0 failed).", e.getMessage());
        assertEquals("acme.ecko", e.type());
    }

    @Test
    void unknownTypeWithNothingCloseOmitsTheSuggestion() throws Exception {
        FilterRegistry r = FilterRegistry.builder().build();

        UnknownFilterTypeException e = assertThrows(UnknownFilterTypeException.class,
                () -> r.require("http_connection_manager", "listeners[0].filter_chains[0].filters[0]"));

        assertEquals("listeners[0].filter_chains[0].filters[0].type: \"http_connection_manager\" (expected: one of "
                + "[test.classpath_echo]). Looked on the class path (1 provider) and in no plugin directory (none was "
                + "given).", e.getMessage());
    }

    @Test
    void unknownTypeWithoutVendorPrefixSuggestsThePrefixedType() throws Exception {
        FilterRegistry r = FilterRegistry.builder().build();

        UnknownFilterTypeException e = assertThrows(UnknownFilterTypeException.class,
                () -> r.require("classpath_echo", "filters[0]"));

        assertTrue(e.getMessage().startsWith("filters[0].type: \"classpath_echo\" (expected: one of "
                + "[test.classpath_echo]; did you mean \"test.classpath_echo\"?)."), e.getMessage());
    }

    @Test
    void twoProvidersOfOneTypeAreAnErrorNamingBothClassesAndJars() throws Exception {
        Path a = plugin("dup-a");
        Path b = plugin("dup-b");
        plugin("good");

        FilterRegistry r = build();

        String expected = "FILTER-REGISTRY(E): Network filter type \"acme.dup\" is provided twice: "
                + "com.acme.a.DupProvider (" + a + ") and com.example.b.DupProvider (" + b + "); neither is used: "
                + "remove one jar, or give the third-party filter a vendor-prefixed type such as \"example.dup\".";
        assertEquals(List.of(expected), r.problems());
        assertTrue(r.find("acme.dup").isEmpty(), "an ambiguous type must not resolve to either provider");
        assertTrue(r.find("acme.echo").isPresent(), "the other plugins still load");
        UnknownFilterTypeException e = assertThrows(UnknownFilterTypeException.class,
                () -> r.require("acme.dup", "listeners[0].filter_chains[0].filters[0]"));
        assertTrue(e.getMessage().contains(" A provider of \"acme.dup\" was found but not loaded: "
                + expected.substring("FILTER-REGISTRY(E): ".length())), e.getMessage());
    }

    @Test
    void aPluginClaimingAReservedTypeIsRefusedAndTheBuiltInKept() throws Exception {
        Path builtinJar = TestPlugins.jar("builtin", tmp.resolve("classpath/ferry-builtin.jar"));
        Path evil = plugin("reserved");
        try (URLClassLoader host = new URLClassLoader(new URL[] {builtinJar.toUri().toURL()},
                FilterRegistry.class.getClassLoader())) {

            FilterRegistry r = FilterRegistry.builder().parent(host).pluginsDir(plugins).build();

            assertEquals(List.of("FILTER-REGISTRY(E): Third-party plugin com.acme.evil.TcpProxyProvider (" + evil
                    + ") is forbidden to use the reserved network filter type \"tcp_proxy\"; it was not loaded: give "
                    + "it a dotted vendor prefix, such as \"acme.tcp_proxy\"."), r.problems());
            assertEquals("io.ferry.fake.TcpProxyProvider",
                    r.require("tcp_proxy", "filters[0]").getClass().getName());
        }
    }

    @Test
    void aThirdPartyClassPathProviderClaimingAReservedTypeIsRefused() throws Exception {
        Path evil = TestPlugins.jar("reserved", tmp.resolve("classpath/evil.jar"));
        try (URLClassLoader host = new URLClassLoader(new URL[] {evil.toUri().toURL()},
                FilterRegistry.class.getClassLoader())) {

            FilterRegistry r = FilterRegistry.builder().parent(host).build();

            assertEquals(List.of("FILTER-REGISTRY(E): Third-party provider com.acme.evil.TcpProxyProvider (" + evil
                    + ") is forbidden to use the reserved network filter type \"tcp_proxy\"; it was not loaded: give "
                    + "it a dotted vendor prefix, such as \"acme.tcp_proxy\"."), r.problems());
            assertTrue(r.find("tcp_proxy").isEmpty());
        }
    }

    @Test
    void aBrokenClassPathProviderIsReportedOnceNotAgainForEachPluginLocation() throws Exception {
        Path ctor = TestPlugins.jar("no-noarg-ctor", tmp.resolve("classpath/ctor.jar"));
        Path boom = TestPlugins.jar("static-init", tmp.resolve("classpath/boom.jar"));
        plugin("good");
        plugin("dup-a");
        try (URLClassLoader host = new URLClassLoader(new URL[] {ctor.toUri().toURL(), boom.toUri().toURL()},
                FilterRegistry.class.getClassLoader())) {

            FilterRegistry r = FilterRegistry.builder().parent(host).pluginsDir(plugins).build();

            assertEquals(List.of(
                    "FILTER-REGISTRY(E): Provider com.acme.ctor.CtorProvider (" + ctor + ") was not loaded: its "
                            + "class must have a public no-arg constructor and be public and top-level (or a static "
                            + "nested class).",
                    "FILTER-REGISTRY(E): Provider com.acme.boom.BoomProvider (" + boom + ") was not loaded: its "
                            + "static initialiser threw java.lang.IllegalStateException: boom; fix the plugin so that "
                            + "loading its class cannot fail."), r.problems());
            assertEquals(List.of("acme.dup", "acme.echo", CLASSPATH_TYPE), types(r));
        }
    }

    @Test
    void reservedTypesAreFerrysAndMosnsNetworkFilters() {
        assertEquals(java.util.Set.of("tcp_proxy", "tcpcopy", "proxy", "fault_inject", "connection_manager", "grpc",
                "tunnel", "udp_proxy"), FilterRegistry.RESERVED_TYPES);
    }

    @Test
    void aPluginWithoutPublicNoArgConstructorIsReportedAndTheOthersLoad() throws Exception {
        plugin("good");
        Path jar = plugin("no-noarg-ctor");

        FilterRegistry r = build();

        assertEquals(List.of("FILTER-REGISTRY(E): Plugin com.acme.ctor.CtorProvider (" + jar + ") was not loaded: "
                + "its class must have a public no-arg constructor and be public and top-level (or a static nested "
                + "class)."), r.problems());
        assertEquals(List.of("acme.echo", CLASSPATH_TYPE), types(r));
    }

    @Test
    void aPluginWhoseStaticInitialiserThrowsIsReportedAndTheOthersLoad() throws Exception {
        plugin("good");
        Path jar = plugin("static-init");

        FilterRegistry r = build();

        assertEquals(List.of("FILTER-REGISTRY(E): Plugin com.acme.boom.BoomProvider (" + jar + ") was not loaded: "
                + "its static initialiser threw java.lang.IllegalStateException: boom; fix the plugin so that "
                + "loading its class cannot fail."), r.problems());
        assertEquals(List.of("acme.echo", CLASSPATH_TYPE), types(r));
    }

    @Test
    void aPluginWithAMissingDependencyIsReportedAndTheOthersLoad() throws Exception {
        plugin("good");
        Path jar = plugin("missing-dep");

        FilterRegistry r = build();

        assertEquals(List.of("FILTER-REGISTRY(E): Plugin com.acme.needy.NeedyProvider (" + jar + ") was not loaded: "
                + "it has a dependency which is missing or invalid (com.acme.lib.Helper was not found); put the jars "
                + "it needs next to it in one sub-directory of the plugin directory, or shade them into its jar."),
                r.problems());
        assertEquals(List.of("acme.echo", CLASSPATH_TYPE), types(r));
    }

    @Test
    void aPluginWhoseFactoryNeedsAMissingLibraryIsReportedBeforeAnyTrafficNamingTheJarAndTheClass() throws Exception {
        Path jar = plugin("missing-dep-late");

        FilterRegistry r = build();

        String line = "FILTER-REGISTRY(E): Plugin com.acme.late.LateProvider (" + jar + ") was not loaded: its class "
                + "com.acme.late.LateFactory needs com.acme.lib.Codec, which is neither in the plugin's location nor "
                + "provided by the host; put the jars it needs next to it in one sub-directory of the plugin "
                + "directory, or shade them into its jar.";
        assertEquals(List.of(line), r.problems());
        assertFalse(r.find("acme.late").isPresent());
        UnknownFilterTypeException e = assertThrows(UnknownFilterTypeException.class,
                () -> r.require("acme.late", "listeners[0].filter_chains[0].filters[0]"));
        assertTrue(e.getMessage().contains(" A provider of \"acme.late\" was found but not loaded: "
                + line.substring("FILTER-REGISTRY(E): ".length())),
                e.getMessage());
    }

    @Test
    void theLateLibraryNextToThePluginSatisfiesTheCheck() throws Exception {
        Path dir = plugins.resolve("acme-late");
        TestPlugins.jar("missing-dep-late", dir.resolve("late.jar"));
        TestPlugins.excludedJar("missing-dep-late", dir.resolve("lib/acme-lib.jar"));

        FilterRegistry r = build();

        assertEquals(List.of(), r.problems());
        assertTrue(r.find("acme.late").isPresent());
    }

    @Test
    void aFactoryFailingWithALinkageErrorGetsTheRegistrysOneLineDiagnostic() throws Exception {
        Path jar = plugin("good");
        FilterRegistry r = build();
        NetworkFilterFactoryProvider p = r.find("acme.echo").orElseThrow();
        assertEquals("FILTER-REGISTRY(E): Plugin com.acme.echo.EchoProvider (" + jar + ") failed to create the factory "
                + "of listeners[0].filter_chains[0].filters[1]: it has a dependency which is missing or invalid "
                + "(com.acme.lib.Codec was not found); put the jars it needs next to it in one sub-directory of the "
                + "plugin directory, or shade them into its jar.", r.creationFailure(p,
                "listeners[0].filter_chains[0].filters[1]", new NoClassDefFoundError("com/acme/lib/Codec")));
    }

    @Test
    void providersShowWhereTheyCameFrom() throws Exception {
        plugin("good");
        FilterRegistry r = build();
        assertEquals(List.of("plugin", "built-in"), r.providers().stream().map(ProviderInfo::origin).toList(),
                "the test's class-path provider is in Ferry's package");
        assertEquals("class path", new ProviderInfo("acme.x", "1", "1.1", "com.acme.XProvider", "/opt/lib/x.jar",
                false).origin());
    }

    @Test
    void aSubDirectoryOfJarsIsOneLocationSoAPluginFindsItsLibrary() throws Exception {
        Path dir = plugins.resolve("acme-needy");
        Path jar = TestPlugins.jar("missing-dep", dir.resolve("needy.jar"));
        TestPlugins.excludedJar("missing-dep", dir.resolve("lib/acme-lib.jar"));

        FilterRegistry r = build();

        assertEquals(List.of(), r.problems());
        ProviderInfo info = r.providers().get(0);
        assertEquals("acme.needy", info.type());
        assertEquals(jar.toString(), info.location(), "the location is the jar that holds the provider class");
        assertTrue(info.plugin());
    }

    @Test
    void aLibraryJarDroppedAtTheTopLevelIsPointedOut() throws Exception {
        Path lib = TestPlugins.excludedJar("missing-dep", plugins.resolve("acme-lib.jar"));

        FilterRegistry r = build();

        assertEquals(List.of("FILTER-REGISTRY(W): Plugin location " + lib + " provides no network filter (it has no "
                + "META-INF/services/io.ferry.filter.api.spi.NetworkFilterFactoryProvider); if it is a library that "
                + "another plugin needs, put both jars in one sub-directory of the plugin directory."), r.problems());
    }

    @Test
    void aPluginBundlingFilterApiIsWarnedAboutAndUsesTheHostsCopy() throws Exception {
        Path jar = plugin("bundled-api");

        FilterRegistry r = build();

        assertEquals(List.of("FILTER-REGISTRY(W): Plugin " + jar + " bundles its own copy of filter-api "
                + "(io/ferry/filter/api/); the host's filter-api is used instead, so remove it from the plugin "
                + "(declare filter-api with scope \"provided\")."), r.problems());
        NetworkFilterFactoryProvider p = r.require("acme.bundled", "filters[0]");
        assertSame(NetworkFilterFactoryProvider.class, p.getClass().getInterfaces()[0]);
    }

    @Test
    void aPluginBuiltAgainstANewerMajorApiIsRefused() throws Exception {
        plugin("good");
        Path jar = plugin("newer-api");

        FilterRegistry r = build();

        String sentence = "Plugin com.acme.future.FutureProvider (" + jar + ") targets filter-api 2.0; this runtime "
                + "provides 1.1 (compatible: 1.x); it was not loaded: build it against filter-api 1.x (at most 1.1), "
                + "or run a Ferry that provides filter-api 2.0.";
        assertEquals(List.of("FILTER-REGISTRY(E): " + sentence), r.problems());
        assertEquals(List.of("acme.echo", CLASSPATH_TYPE), types(r));
        UnknownFilterTypeException e = assertThrows(UnknownFilterTypeException.class,
                () -> r.require("acme.future", "filters[2]"));
        assertTrue(e.getMessage().contains("A provider of \"acme.future\" was found but not loaded: " + sentence),
                e.getMessage());
    }

    @Test
    void aPluginBuiltAgainstANewerMinorApiIsRefused() throws Exception {
        Path jar = plugin("newer-minor");

        FilterRegistry r = build();

        assertEquals(List.of("FILTER-REGISTRY(E): Plugin com.acme.future.MinorProvider (" + jar + ") targets "
                + "filter-api 1.2; this runtime provides 1.1 (compatible: 1.x); it was not loaded: build it against "
                + "filter-api 1.x (at most 1.1), or run a Ferry that provides filter-api 1.2."), r.problems());
    }

    @Test
    void failPolicyThrowsWithEveryProblem() throws Exception {
        plugin("good");
        Path ctor = plugin("no-noarg-ctor");
        Path boom = plugin("static-init");

        RegistryException e = assertThrows(RegistryException.class,
                () -> FilterRegistry.builder().pluginsDir(plugins).failurePolicy(FailurePolicy.FAIL).build());

        List<String> problems = List.of(
                "FILTER-REGISTRY(E): Plugin com.acme.ctor.CtorProvider (" + ctor + ") was not loaded: its class must "
                        + "have a public no-arg constructor and be public and top-level (or a static nested class).",
                "FILTER-REGISTRY(E): Plugin com.acme.boom.BoomProvider (" + boom + ") was not loaded: its static "
                        + "initialiser threw java.lang.IllegalStateException: boom; fix the plugin so that loading "
                        + "its class cannot fail.");
        assertEquals(problems, e.problems());
        assertEquals("The filter registry found 2 problems and the failure policy is fail:\n  "
                + String.join("\n  ", problems), e.getMessage());
    }

    @Test
    void failPolicyWithHealthyPluginsBuilds() throws Exception {
        plugin("good");

        FilterRegistry r = FilterRegistry.builder().pluginsDir(plugins).failurePolicy(FailurePolicy.FAIL).build();

        assertEquals(List.of("acme.echo", CLASSPATH_TYPE), types(r));
    }

    @Test
    void aMissingPluginDirectoryIsAClearError() {
        Path missing = tmp.resolve("no-such-dir");

        RegistryException e = assertThrows(RegistryException.class,
                () -> FilterRegistry.builder().pluginsDir(missing).build());

        assertEquals("Plugin directory " + missing + " does not exist (expected: a readable directory holding plugin "
                + "jars, or sub-directories of jars)", e.getMessage());
    }

    @Test
    void aPluginDirectoryThatIsAFileIsAClearError() throws Exception {
        Path file = Files.writeString(tmp.resolve("plugins.txt"), "not a directory");

        RegistryException e = assertThrows(RegistryException.class,
                () -> FilterRegistry.builder().pluginsDir(file).build());

        assertEquals("Plugin directory " + file + " is not a directory (expected: a readable directory holding "
                + "plugin jars, or sub-directories of jars)", e.getMessage());
    }

    @Test
    void aCorruptJarIsReportedAndTheOthersLoad() throws Exception {
        plugin("good");
        Path bad = Files.writeString(plugins.resolve("broken.jar"), "this is not a zip file");

        FilterRegistry r = build();

        assertEquals(List.of("acme.echo", CLASSPATH_TYPE), types(r));
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).startsWith("FILTER-REGISTRY(E): Plugin jar " + bad + " could not be read ("),
                r.problems().get(0));
        assertTrue(r.problems().get(0).endsWith("); replace it with a valid jar file."), r.problems().get(0));
    }

    @Test
    void nonJarFilesAndHiddenEntriesInThePluginDirectoryAreIgnored() throws Exception {
        plugin("good");
        Files.writeString(plugins.resolve("README.txt"), "plugins go here");
        TestPlugins.jar("dup-a", plugins.resolve(".hidden/dup-a.jar"));

        FilterRegistry r = build();

        assertEquals(List.of("acme.echo", CLASSPATH_TYPE), types(r));
        assertEquals(List.of(), r.problems());
    }
}
