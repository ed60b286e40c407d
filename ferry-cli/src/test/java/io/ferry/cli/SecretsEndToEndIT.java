package io.ferry.cli;

import io.ferry.proxy.config.ServerConfig;
import io.ferry.tcpcopy.TcpCopyFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ferry start} on a config that sets every kind of credential: named like one ({@code db_passwd}, {@code pwd},
 * {@code credentials}, {@code authorization}, {@code dsn}), hidden in a URL ({@code upstream_url}), declared by a
 * component (the Kafka sink's {@code sasl.jaas.config} and kafka-clients' other password settings; a filter's own
 * {@code vault_blob}). None of their values may appear in {@code config_dump} (every section), in
 * {@code dump_mem_dump.log}, in the log, or in an error message.
 */
class SecretsEndToEndIT {

    /** Every credential value of the config below; each one is checked in every output. */
    private static final List<String> SECRETS = List.of(
            "jaas-pass-0001", "ssl-key-pass-0002", "keystore-pass-0003", "truststore-pass-0004",
            "db-passwd-0005", "pwd-0006", "credential-0007", "Bearer auth-0008", "dsn-pass-0009", "url-pass-0010",
            "vault-blob-0011");

    @AfterEach
    void restoreLogging() throws Exception {
        Logging.configure(new ServerConfig("", null, "INFO", Duration.ofSeconds(30), List.of()));
    }

    private static String config(Path dir, int echoPort, int closedPort, boolean failVault) {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\\\"svc\\\""
                + " password=\\\"jaas-pass-0001\\\";";
        return """
                {"servers": [{"default_log_path": "%s", "default_log_level": "INFO", "graceful_timeout": "1s",
                  "listeners": [{"name": "ingress", "address": "127.0.0.1:0", "bind_port": true,
                    "filter_chains": [{"filters": [
                      {"type": "tcpcopy", "config": {
                        "strategy": {"switch": "ON", "interval": 3600, "duration": 10,
                                     "cpu_max_rate": 99.9, "mem_max_rate": 99.9},
                        "db_passwd": "db-passwd-0005", "pwd": "pwd-0006", "credentials": ["credential-0007"],
                        "authorization": "Bearer auth-0008", "dsn": "postgres://app:dsn-pass-0009@db/app",
                        "upstream_url": "https://admin:url-pass-0010@upstream.internal:8443/v1",
                        "dump": {"dir": "%s", "sinks": [{"type": "kafka", "bootstrap_servers": "127.0.0.1:%d",
                          "topic": "ferry-dumps", "producer": {
                            "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
                            "sasl.jaas.config": "%s",
                            "ssl.key.password": "ssl-key-pass-0002", "ssl.keystore.password": "keystore-pass-0003",
                            "ssl.truststore.password": "truststore-pass-0004"}}]}}},
                      {"type": "test.vault", "config": {"vault_blob": "vault-blob-0011", "fail": %s}},
                      {"type": "tcp_proxy", "config": {"cluster": "echo"}}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "echo", "hosts": [{"address": "127.0.0.1:%d"}]}]},
                 "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}}}
                """.formatted(dir.resolve("ferry.log"), dir.resolve("dump"), closedPort, jaas, failVault, echoPort);
    }

    @Test
    void noCredentialValueReachesTheConfigDumpTheMemDumpOrTheLog(@TempDir Path dir) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (EchoServer echo = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                Path file = Files.writeString(dir.resolve("ferry.json"),
                        config(dir, echo.address().getPort(), closedPort(), false));
                Main main = new Main(new PrintStream(new ByteArrayOutputStream()), System.err);
                CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                        () -> main.run(new String[] {"start", "-c", file.toString()}));
                while (main.running == null && !exit.isDone()) {
                    Thread.sleep(20);
                }
                assertTrue(main.running != null, "start returned " + (exit.isDone() ? exit.join() : null));
                int admin = main.running.adminAddress().orElseThrow().getPort();
                HttpClient http = HttpClient.newHttpClient();

                for (String section : List.of("", "?mosnconfig", "?alllisteners", "?listener=ingress")) {
                    String body = get(http, admin, "/api/v1/config_dump" + section);
                    assertNoSecret("config_dump" + section, body);
                    assertTrue(body.contains("***REDACTED***"), body);
                }
                String dump = get(http, admin, "/api/v1/config_dump?listener=ingress");
                assertTrue(dump.contains("https://***REDACTED***@upstream.internal:8443/v1"),
                        "a URL keeps its host: " + dump);
                assertTrue(dump.contains("\"security.protocol\": \"SASL_PLAINTEXT\""), "other settings are kept");

                // dump_mem_dump.log: written with a portrait upload inside a capture window
                HttpResponse<String> window = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
                                + "/api/v1/tcpcopy/window?duration_s=30&listener=ingress"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, window.statusCode(), window.body());
                int port = ((InetSocketAddress) main.running.listeners().get("ingress")).getPort();
                TcpCopyFactory tcpcopy = (TcpCopyFactory) main.running.filterFactories("ingress").get(0);
                boolean uploaded = tcpcopy.tcpCopy().uploadPortraitData("CONFIGURATION", Map.of("k", "v"),
                        Integer.toString(port));
                assertTrue(uploaded, "the portrait upload is accepted in the window");
                Path memDump = dir.resolve("dump/dump_mem_dump.log");
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (!(Files.exists(memDump) && Files.readString(memDump).contains("upstream_url"))
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                String mem = Files.readString(memDump);
                assertTrue(mem.contains("upstream_url") && mem.contains("***REDACTED***"), mem);
                assertNoSecret("dump_mem_dump.log", mem);

                main.requestStop();
                assertEquals(0, exit.join());
                String log = Files.readString(dir.resolve("ferry.log"));
                assertTrue(log.contains("vault filter config: {"), "the careless filter did log its config: " + log);
                assertNoSecret("the log", log);
            }
        });
    }

    @Test
    void anErrorMessageQuotingACredentialIsScrubbed(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("ferry.json"), config(dir, closedPort(), closedPort(), true));
        CliRun run = CliRun.ferry("start", "-c", file.toString());
        assertEquals(1, run.code(), run.err());
        assertTrue(run.err().contains("cannot open the vault with ***REDACTED***"), run.err());
        assertNoSecret("stderr", run.err());
        assertNoSecret("the log", Files.readString(dir.resolve("ferry.log")));
    }

    private static void assertNoSecret(String where, String text) {
        for (String s : SECRETS) {
            assertFalse(text.contains(s), where + " shows " + s + ":\n" + text);
        }
    }

    private static String get(HttpClient http, int port, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
