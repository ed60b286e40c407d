package io.ferry.filter.registry;

import io.ferry.filter.api.FilterApi;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The registry's output as a user sees it: the log lines, the failure policy, the version rule, the suggestions. */
class RegistryDiagnosticsTest {

    @TempDir
    Path tmp;

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Logger logger;

    @BeforeEach
    void captureLog() {
        logger = (Logger) LoggerFactory.getLogger("io.ferry.filter.registry");
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(appender);
    }

    private List<String> lines(Level level) {
        return appender.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void problemsAreLoggedWithTheirPrefixAndEachProviderGetsOneInventoryLine() throws Exception {
        Path plugins = Files.createDirectory(tmp.resolve("plugins"));
        Path good = TestPlugins.jar("good", plugins.resolve("good.jar"));
        Path bundled = TestPlugins.jar("bundled-api", plugins.resolve("bundled.jar"));
        Path boom = TestPlugins.jar("static-init", plugins.resolve("boom.jar"));

        FilterRegistry r = FilterRegistry.builder().pluginsDir(plugins).build();

        assertEquals(r.problems().stream().filter(p -> p.startsWith("FILTER-REGISTRY(E): ")).toList(),
                lines(Level.ERROR));
        assertEquals(r.problems().stream().filter(p -> p.startsWith("FILTER-REGISTRY(W): ")).toList(),
                lines(Level.WARN));
        // locations in name order: boom.jar, bundled.jar, good.jar
        assertEquals(List.of(
                "FILTER-REGISTRY(E): Plugin com.acme.boom.BoomProvider (" + boom + ") was not loaded: its static "
                        + "initialiser threw java.lang.IllegalStateException: boom; fix the plugin so that loading its "
                        + "class cannot fail.",
                "FILTER-REGISTRY(W): Plugin " + bundled + " bundles its own copy of filter-api (io/ferry/filter/api/); "
                        + "the host's filter-api is used instead, so remove it from the plugin (declare filter-api "
                        + "with scope \"provided\")."), r.problems());
        List<String> info = lines(Level.INFO);
        assertEquals(List.of(
                "- acme.bundled (version: 1.0.0, filter-api: 1.1, class: com.acme.bundled.BundledProvider, location: "
                        + bundled + ")",
                "- acme.echo (version: 2.3.1, filter-api: 1.1, class: com.acme.echo.EchoProvider, location: " + good
                        + ")"),
                info.subList(0, 2));
        assertEquals(4, info.size(), info.toString()); // three providers and the summary
    }

    @Test
    void failurePolicyParsesItsLowerCaseConfigValues() {
        assertEquals(FailurePolicy.WARN, FailurePolicy.parse("warn"));
        assertEquals(FailurePolicy.FAIL, FailurePolicy.parse("FAIL"));
        assertEquals("warn", FailurePolicy.WARN.toString());
        assertEquals("fail", FailurePolicy.FAIL.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FailurePolicy.parse("strict"));
        assertEquals("failure policy: \"strict\" (expected: one of [warn, fail])", e.getMessage());
        assertEquals("failure policy: missing (expected: one of [warn, fail])",
                assertThrows(IllegalArgumentException.class, () -> FailurePolicy.parse(null)).getMessage());
    }

    @Test
    void theRegistryAppliesFilterApisOneVersionRule() {
        // the rule itself is tested in filter-api (FilterApiTest); the registry must not have a rule of its own
        for (String v : List.of("1.0", "1.0.1", FilterApi.VERSION, "1.99", "2.0", "0.9", "latest", "1", "1.x", "")) {
            assertEquals(FilterApi.incompatibility(v).orElse(null), ApiVersions.incompatibility(v), v);
        }
        assertNull(ApiVersions.incompatibility("1.0.1"));
        assertEquals("1.x", ApiVersions.compatibleRange());
    }

    @Test
    void suggestionsPickTheClosestTypeOrNothing() {
        List<String> types = List.of("tcp_proxy", "tcpcopy", "example.deny_prefix");
        assertEquals("tcpcopy", Suggestions.closest("tcpcopyy", types));
        assertEquals("tcp_proxy", Suggestions.closest("tcp-proxy", types));
        assertEquals("tcp_proxy", Suggestions.closest("TCP_PROXY", types));
        assertEquals("example.deny_prefix", Suggestions.closest("deny_prefix", types));
        assertNull(Suggestions.closest("proxy", types));
        assertNull(Suggestions.closest("x", types));
        assertNull(Suggestions.closest("anything", List.of()));
    }
}
