package io.ferry.cli;

import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka sink and source as a plugin: they are not on this module's class path (nor in ferry.jar), only in the
 * default plugin directory the build assembles ({@code target/plugins/dump-kafka}), which the tests get as
 * {@code ./ferry} passes it ({@code -Dferry.plugins.dir}). {@code ferry filters} lists them with their jar, a bad
 * sink setting stops {@code ferry start} with the full JSON path and credentials hidden by tcpcopy, and the sink's
 * credential keys, declared by a provider tcpcopy found only through the registry, are hidden in the config dump
 * (filter-tcpcopy's SinkExtensionsTest checks {@code dump_mem_dump.log} for a provider found that way).
 */
class KafkaPluginIT {

    @TempDir
    Path dir;

    @Test
    void theKafkaSinkAndSourceAreNotOnTheClassPathOnlyInThePluginDirectory() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.ferry.dump.kafka.KafkaSinkProvider"));
        try (Stream<Path> files = Files.list(Plugins.dir().resolve("dump-kafka"))) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("kafka-clients-")));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void ferryFiltersListsTheSinkAndTheSourceWithTheirPluginJar() {
        CliRun r = CliRun.ferry("filters");

        assertEquals(0, r.code(), r.err());
        String jar = Plugins.dir().resolve("dump-kafka").toAbsolutePath().normalize().toString();
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("dump sink kafka  io.ferry.dump.kafka.KafkaSinkProvider  "
                + jar + "/dump-kafka-")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("dump source kafka://  io.ferry.dump.kafka.KafkaDumpSource  "
                + jar + "/dump-kafka-")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("tcpcopy  ")), r.out());
        assertFalse(r.err().contains("provides no network filter"), r.err());
    }

    @Test
    void theDumpToolsFindTheKafkaSourceInThePluginsDirTheyAreGiven() {
        String defaultDir = System.getProperty(Main.PLUGINS_DIR_PROPERTY);
        String plugins = Plugins.dir().toString();
        System.clearProperty(Main.PLUGINS_DIR_PROPERTY);              // no default plugin directory
        try {
            CliRun none = CliRun.ferry("dump", "inspect", "kafka://127.0.0.1:9");
            assertEquals(1, none.code(), none.out() + none.err());
            assertTrue(none.err().contains("no dump source for kafka:// was found"), none.err());

            // found in --plugins-dir: the Kafka source itself now reads the URI (and says it lacks its topic)
            CliRun given = CliRun.ferry("dump", "inspect", "kafka://127.0.0.1:9", "--plugins-dir", plugins);
            assertEquals(1, given.code(), given.out() + given.err());
            assertTrue(given.err().contains("expected: kafka://HOST:PORT"), given.err());

            CliRun missing = CliRun.ferry("dump", "pcap", "kafka://127.0.0.1:9/t", "out.pcapng", "--plugins-dir",
                    dir.resolve("nowhere").toString());
            assertEquals(2, missing.code(), missing.out() + missing.err());
            assertTrue(missing.err().contains("dump pcap: --plugins-dir " + dir.resolve("nowhere")
                    + " is not a directory"), missing.err());
        } finally {
            System.setProperty(Main.PLUGINS_DIR_PROPERTY, defaultDir);
        }
    }

    @Test
    void aBadSinkSettingStopsStartWithTheFullPathAndCredentialsHidden() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.json"), EchoClients.captureConfig(dir, """
                "sinks": [{"type": "kafka", "bootstrap_servers": "127.0.0.1:9092", "topic": "t",
                           "producer": {"partitioner.ignore.keys": "sometimes"}}]""",
                new InetSocketAddress("127.0.0.1", 9)));

        CliRun r = CliRun.ferry("start", "-c", config.toString());

        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("listeners[0].filter_chains[0].filters[0].config.dump.sinks[0].producer."
                + "partitioner.ignore.keys: \"***REDACTED***\" (expected: true or false)"), r.err());
        assertFalse(r.err().contains("sometimes"), r.err());
    }

    @Test
    void theSinksCredentialKeysAreHiddenInTheConfigDump() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();          // no broker: the producer is created, nothing is sent
        }
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\\\"ferry\\\" "
                + "password=\\\"pw-never-shown\\\";";
        String config = EchoClients.captureConfig(dir, """
                "sinks": [{"type": "kafka", "bootstrap_servers": "127.0.0.1:%d", "topic": "t",
                           "producer": {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
                                        "sasl.jaas.config": "%s"}}]""".formatted(closed, jaas),
                new InetSocketAddress("127.0.0.1", 9));
        try (ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(config, "kafka-plugin.json"),
                Plugins.registry(), ProxyOptions.defaults())) {
            int admin = proxy.adminAddress().orElseThrow().getPort();
            HttpResponse<String> dump = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin + "/api/v1/config_dump")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, dump.statusCode());
            assertFalse(dump.body().contains("pw-never-shown"), dump.body());
            assertTrue(dump.body().matches("(?s).*\"sasl\\.jaas\\.config\":\\s*\"\\*\\*\\*REDACTED\\*\\*\\*\".*"),
                    dump.body());

        }
    }
}
