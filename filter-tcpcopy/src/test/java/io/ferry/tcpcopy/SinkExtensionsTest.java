package io.ferry.tcpcopy;

import io.ferry.dump.spi.DumpSink;
import io.ferry.dump.spi.DumpSinkProvider;
import io.ferry.dump.spi.SinkConfig;
import io.ferry.dump.spi.SinkConfigException;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.FilterEnvironment;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.spi.StatsRegistry;
import io.ferry.tcpcopy.dump.sink.SinkSpec;
import io.ferry.tcpcopy.dump.sink.TestSinks;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcpcopy finds its dump sink providers through the runtime's extension lookup
 * ({@link FilterEnvironment#extensions}), where a runtime offers one (the plugin directory's sinks are found only
 * there), and on its own class path otherwise; the secret keys of providers found either way are declared and hidden.
 */
class SinkExtensionsTest {

    @TempDir
    Path dir;

    /** A sink type found only through the environment, as one from a plugin directory is. */
    static final class VaultSinkProvider implements DumpSinkProvider {
        @Override
        public String type() {
            return "vault";
        }

        @Override
        public Set<String> secretFields() {
            return Set.of("vault_secret_id");
        }

        @Override
        public void validate(SinkConfig config) throws SinkConfigException {
            config.rejectUnknown(Set.of("vault_secret_id", "api_key"));
            config.requireString("vault_secret_id", "a secret id");
        }

        @Override
        public DumpSink create(SinkConfig config) {
            return new DumpSink() {
                @Override
                public void accept(io.ferry.dump.spi.EncodedRecord record) {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** The kit's environment, plus the extensions a runtime's registry would offer. */
    record WithExtensions(EmbeddedEnvironment kit, List<Object> offered) implements FilterEnvironment {
        @Override
        public AdminRegistry admin() {
            return kit.admin();
        }

        @Override
        public StatsRegistry stats() {
            return kit.stats();
        }

        @Override
        public FilterScheduler scheduler() {
            return kit.scheduler();
        }

        @Override
        public <T> Optional<T> service(Class<T> type) {
            return kit.service(type);
        }

        @Override
        public <T> List<T> extensions(Class<T> type) {
            return offered.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    private Map<String, Object> config(Map<String, Object> sink) {
        Map<String, Object> dump = new LinkedHashMap<>();
        dump.put("dir", dir.toString());
        dump.put("format", "ferry");
        dump.put("sinks", List.of(sink));
        return Map.of("strategy", Map.of("switch", "ON", "interval", 30, "duration", 5, "cpu_max_rate", 99,
                "mem_max_rate", 99), "dump", dump);
    }

    @Test
    void theEnvironmentsProvidersComeFirstThenTheClassPaths() {
        VaultSinkProvider vault = new VaultSinkProvider();
        Map<String, DumpSinkProvider> p = SinkSpec.providers(new WithExtensions(new EmbeddedEnvironment(),
                List.of(vault)));

        assertEquals(Set.of("vault", "test"), p.keySet(), "the environment's vault, the class path's test sink");
        assertTrue(p.get("vault") == vault);
        assertEquals(Set.of("test"), SinkSpec.providers(new EmbeddedEnvironment()).keySet(),
                "an environment without extension lookup: the class path alone");
    }

    @Test
    void aSinkTypeOnlyTheEnvironmentOffersIsConfiguredAndItsSecretKeysAreDeclaredAfterCreate() throws Exception {
        TcpCopyProvider provider = new TcpCopyProvider(new Fakes.Readings());
        FilterEnvironment env = new WithExtensions(new EmbeddedEnvironment(), List.of(new VaultSinkProvider()));
        assertFalse(provider.secretFields().contains("vault_secret_id"), "not known before create()");

        TcpCopyFactory f = (TcpCopyFactory) provider.create(Harness.filterConfig(
                config(Map.of("type", "vault", "vault_secret_id", "s3cr3t-id-value")), env));
        try {
            f.init(EmbeddedListener.DEFAULT);
            assertEquals(List.of("vault"), f.config().dump().sinks().stream().map(SinkSpec::type).toList());
            assertTrue(provider.secretFields().contains("vault_secret_id"), "declared once create() has seen it");
            String memDump = f.configDump().toString();
            assertFalse(memDump.contains("s3cr3t-id-value"), memDump);
            assertTrue(memDump.contains("vault_secret_id=" + Redaction.REDACTED), memDump);
        } finally {
            f.close();
        }
    }

    @Test
    void withoutTheEnvironmentTheTypeIsUnknownAndTheMessageSaysWhereSinksComeFrom() {
        TcpCopyProvider provider = new TcpCopyProvider(new Fakes.Readings());
        FilterConfigException e = assertThrows(FilterConfigException.class, () -> provider.create(
                Harness.filterConfig(config(Map.of("type", "vault", "vault_secret_id", "x")), new EmbeddedEnvironment())));
        assertTrue(e.getMessage().endsWith("dump.sinks[0].type: \"vault\" (expected: one of the sink types available: "
                + "test (a sink's module must be on the class path or in the plugin directory))"), e.getMessage());
    }

    @Test
    void aProvidersConfigErrorIsReportedInFerrysFormatWithCredentialsHidden() {
        FilterEnvironment env = new WithExtensions(new EmbeddedEnvironment(), List.of(new VaultSinkProvider()));
        TcpCopyProvider provider = new TcpCopyProvider(new Fakes.Readings());
        FilterConfigException e = assertThrows(FilterConfigException.class, () -> provider.create(Harness.filterConfig(
                config(Map.of("type", "vault", "vault_secret_id", "x", "password", "hunter22")), env)));

        // the provider's SinkConfigException names the value; filter-api's rule hides it (the key names a credential)
        assertTrue(e.getMessage().endsWith("dump.sinks[0].password: \"***REDACTED***\" (expected: no such field; a "
                + "vault sink accepts api_key, name, queue_bytes, queue_capacity, type, vault_secret_id)"),
                e.getMessage());
        assertTrue(e.getCause() instanceof SinkConfigException);
        assertTrue(e.getCause().getMessage().contains("hunter22"), "the provider's own message is unredacted: "
                + "only the host shows messages");
    }

    @Test
    void theTestSinkOfTheClassPathStillWorksEmbedded() throws Exception {
        TcpCopyProvider provider = new TcpCopyProvider(new Fakes.Readings());
        TcpCopyFactory f = (TcpCopyFactory) provider.create(Harness.filterConfig(
                config(Map.of("type", "test", "id", "embedded")), new EmbeddedEnvironment()));
        try {
            f.init(EmbeddedListener.DEFAULT);
            assertTrue(TestSinks.CREATED.containsKey("embedded"));
        } finally {
            f.close();
        }
    }
}
