package io.ferry.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoIT {

    @TempDir
    Path dumpDir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Demo demo = new Demo(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), new CompletableFuture<>());

    @Test
    void withExitAfterTrafficItPrintsOnlyWhatIsTrueOnceItHasStopped() throws Exception {
        // a dump line from an earlier run, which the demo must not present as this run's
        Files.writeString(dumpDir.resolve(Demo.TCP_COPY_LOG), "2020-01-01 00:00:00,1 [INFO] [earlier-run-window][1]"
                + "65 61 72 6c 69 65 72\n");
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> demo.run(new Demo.Options(0, 0, 0, true, dumpDir)));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text + err.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("ok: " + (long) Demo.CONNECTIONS * Demo.BYTES_PER_CONNECTION
                + " bytes went through the proxy and came back intact"), text);
        assertFalse(text.contains("curl"), "no commands for an admin API that has stopped: " + text);
        assertFalse(text.contains("socat"), "nor for a listener that has stopped: " + text);
        assertTrue(text.contains("the proxy and its admin API stop with the demo now"), text);
        Matcher opened = Pattern.compile("tcpcopy: opened a " + Demo.WINDOW_SECONDS + " s capture window (\\S+) ")
                .matcher(text);
        assertTrue(opened.find(), text);
        String window = opened.group(1);
        Path dump = dumpDir.resolve(Demo.TCP_COPY_LOG);
        Matcher line = Pattern.compile("  tcpcopy dump  " + Pattern.quote(dump.toString()) + "   \\((\\d+) lines of this"
                + " run's window " + Pattern.quote(window) + "; the first: (.*)\\)\n").matcher(text);
        assertTrue(line.find(), text);
        assertFalse(text.contains("earlier-run-window"), "a line of an earlier run is never shown: " + text);
        assertTrue(line.group(2).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d+ \\[INFO\\] \\["
                        + Pattern.quote(window) + "\\]\\[\\d+\\][0-9a-f]{2} .*"),
                "the demo's bytes are in Layotto's line format: " + line.group(2));
        long written = Files.readAllLines(dump).stream().filter(l -> l.contains("[" + window + "]")).count();
        assertEquals(written, Long.parseLong(line.group(1)), "the count is the file's, read after the writer finished");
        assertTrue(text.contains("  inspect it    ./ferry dump inspect " + dumpDir), text);
    }

    @Test
    void runningItListsTheCommandsThatWorkWhileItRuns() throws Exception {
        CompletableFuture<Void> stop = new CompletableFuture<>();
        Demo running = new Demo(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), stop);
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(
                () -> running.run(new Demo.Options(0, 0, 0, false, dumpDir)));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!out.toString(StandardCharsets.UTF_8).contains("Running; press Ctrl-C to stop.") && !code.isDone()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        stop.complete(null);
        assertEquals(0, code.get(30, java.util.concurrent.TimeUnit.SECONDS), text);
        assertTrue(text.matches("(?s).*  listener      127\\.0\\.0\\.1:\\d+ .*"), text);
        assertTrue(text.matches("(?s).*  config dump   curl http://127\\.0\\.0\\.1:\\d+/api/v1/config_dump\n.*"), text);
        assertTrue(text.matches("(?s).*  stats         curl http://127\\.0\\.0\\.1:\\d+/api/v1/stats\n.*"), text);
        assertTrue(text.contains("  inspect it    ./ferry dump inspect " + dumpDir), text);
    }

    @Test
    void aBusyPortIsNamedWithTheOptionThatMovesIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertEquals(1, demo.run(new Demo.Options(port, 0, 0, true, dumpDir)));
            assertEquals("demo: 127.0.0.1:" + port + " (the demo listener) is in use; stop what uses it or pick"
                    + " another port with --listen-port N (0 picks a free one)\n", err.toString(StandardCharsets.UTF_8));
            assertEquals("", out.toString(StandardCharsets.UTF_8));

            err.reset();
            assertEquals(1, demo.run(new Demo.Options(0, 0, port, true, dumpDir)));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("(the admin API) is in use; stop what uses it or"
                    + " pick another port with --admin-port N"), err.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void trafficCheckReportsAnUpstreamThatDoesNotEcho() throws Exception {
        // a "proxy" that accepts and closes at once: the check must fail and say which connection
        try (ServerSocket closer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!closer.isClosed()) {
                    try {
                        closer.accept().close();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            String problem = Demo.sendTraffic(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    closer.getLocalPort()), 2, 1024);
            assertTrue(problem != null && (problem.contains("got 0 back") || problem.contains("Exception")), problem);
        }
    }
}
