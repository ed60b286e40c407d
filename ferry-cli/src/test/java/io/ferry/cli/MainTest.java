package io.ferry.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    /** One CLI invocation with captured output. */
    static final class Run {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Main main = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;

        Run(String... args) {
            code = main.run(args);
        }

        String out() {
            return out.toString(StandardCharsets.UTF_8);
        }

        String err() {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    /** A file of proxy-runtime's config corpus ({@code -Dferry.corpus}, set by the build). */
    static Path corpus(String name) {
        Path p = Path.of(System.getProperty("ferry.corpus", "../proxy-runtime/src/test/resources/configs"), name);
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw new AssertionError("no corpus file " + p);
        }
        return p;
    }

    @Test
    void helpPrintsUsageOnStdoutAndExitsZero() {
        Run r = new Run("help");
        assertEquals(0, r.code);
        assertEquals(Main.USAGE_TEXT, r.out());
        assertTrue(r.out().contains("start -c FILE [--plugins-dir DIR] [--plugin-failure-policy warn|fail]"));
    }

    @Test
    void versionPrintsTheVersion() {
        Run r = new Run("version");
        assertEquals(0, r.code);
        assertTrue(r.out().startsWith("ferry version: "), r.out());
    }

    @Test
    void noCommandUnknownCommandAndUnknownOptionAreUsageErrors() {
        Run none = new Run();
        assertEquals(2, none.code);
        assertEquals("ferry: missing command\n" + Main.USAGE_TEXT, none.err());

        Run unknown = new Run("stop");
        assertEquals(2, unknown.code);
        assertTrue(unknown.err().startsWith("ferry: unknown command: stop\nusage: ferry <command>"), unknown.err());

        Run option = new Run("start", "-c", "x.json", "--verbose");
        assertEquals(2, option.code);
        assertTrue(option.err().startsWith("ferry: start: unknown option --verbose\n"), option.err());
        assertEquals("", option.out());
    }

    @Test
    void startNeedsAConfigAndValidOptionValues(@TempDir Path dir) {
        assertEquals("ferry: start: missing -c FILE", new Run("start").err().lines().findFirst().orElseThrow());
        assertEquals("ferry: start: -c needs a value", new Run("start", "-c").err().lines().findFirst().orElseThrow());
        Run policy = new Run("start", "-c", "x.json", "--plugin-failure-policy", "ignore");
        assertEquals(2, policy.code);
        assertEquals("ferry: start: --plugin-failure-policy: failure policy: \"ignore\" (expected: one of [warn, fail])",
                policy.err().lines().findFirst().orElseThrow());
        Run plugins = new Run("filters", "--plugins-dir", dir.resolve("missing").toString());
        assertEquals(2, plugins.code);
        assertEquals("ferry: filters: --plugins-dir " + dir.resolve("missing") + " is not a directory",
                plugins.err().lines().findFirst().orElseThrow());
        Run port = new Run("demo", "--listen-port=70000");
        assertEquals(2, port.code);
        assertEquals("ferry: demo: --listen-port 70000 (expected: a port from 0 to 65535)",
                port.err().lines().findFirst().orElseThrow());
    }

    @Test
    void anL7ConfigExitsOneWithThePathAndNothingElse() {
        Run r = new Run("start", "-c", corpus("refused/proxy-http1.json").toString());
        assertEquals(1, r.code);
        assertEquals("ferry: servers[0].listeners[0].filter_chains[0].filters[0].type: \"proxy\" (expected: an L4"
                + " network filter such as tcp_proxy; L7 (HTTP/RPC) proxying is unsupported by Ferry's L4 engine)\n",
                r.err());
        assertEquals("", r.out());
    }

    @Test
    void anUnreadableOrMalformedFileExitsOneNamingIt(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("none.json");
        Run r = new Run("start", "-c", missing.toString());
        assertEquals(1, r.code);
        assertEquals("ferry: " + missing + ": cannot read: no such file (expected: a readable MOSN JSON config file)\n",
                r.err());

        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"servers\": [\n  {,}\n]}");
        r = new Run("start", "--config=" + bad);
        assertEquals(1, r.code);
        assertTrue(r.err().startsWith("ferry: " + bad + ":2:"), r.err());
    }

    @Test
    void aConfigWithManyProblemsExitsOneListingAllOfThemTheFiltersOwnIncluded(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("many.json"), """
                {
                  "dynamic_resources": {"ads_config": {}},
                  "servers": [{
                    "listeners": [{
                      "name": "a", "address": "127.0.0.1:0", "bind_port": true, "connection_idle_timeout": 90,
                      "filter_chains": [{"filters": [
                        {"type": "grpc", "config": {"server_name": "runtime"}},
                        {"type": "tcpcopy", "config": {"strategy": {"switch": "ON", "interval": 10.0, "duration": 1,
                                                                    "cpu_max_rate": 80, "mem_max_rate": 80}}},
                        {"type": "tcp_proxy", "config": {"cluster": "missing"}}
                      ]}]
                    }]
                  }],
                  "cluster_manager": {"clusters": [{"name": "c", "lb_type": "LB_MAGLEV", "connect_timeout": "soon",
                                                    "hosts": [{"address": "127.0.0.1:1"}]}]}
                }
                """);
        Run r = new Run("start", "-c", file.toString());
        assertEquals(1, r.code);
        List<String> lines = r.err().lines().toList();
        assertEquals(List.of(
                "ferry: dynamic_resources: {\"ads_config\":{}} (expected: absent; xDS configuration is unsupported by"
                        + " Ferry's L4 engine, use servers[] and cluster_manager)",
                "ferry: servers[0].listeners[0].connection_idle_timeout: 90 (expected: a duration such as \"10s\","
                        + " \"300ms\" or \"1m30s\", or 0; a bare number needs a unit)",
                "ferry: servers[0].listeners[0].filter_chains[0].filters[0].type: \"grpc\" (expected: an L4 network"
                        + " filter such as tcp_proxy; serving gRPC is unsupported by Ferry's L4 engine)",
                "ferry: cluster_manager.clusters[0].connect_timeout: \"soon\" (expected: a duration such as \"10s\","
                        + " \"300ms\" or \"1m30s\", or 0)"), lines.subList(0, 4), r.err());
        assertEquals(6, lines.size(), r.err());
        assertTrue(lines.get(4).startsWith("ferry: servers[0].listeners[0].filter_chains[0].filters[1].config.strategy"
                + ".interval: 10 (expected:"), "tcpcopy's own check, its value as the file's JSON: " + r.err());
        assertTrue(lines.get(5).startsWith("ferry: servers[0].listeners[0].filter_chains[0].filters[2].config.cluster:"
                + " \"missing\""), "tcp_proxy's unknown cluster: " + r.err());
        assertEquals("", r.out());
    }
}
