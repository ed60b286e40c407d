package io.ferry.proxy.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

    static Path corpus(String name) {
        try {
            return Path.of(MainTest.class.getResource("/configs/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
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
}
