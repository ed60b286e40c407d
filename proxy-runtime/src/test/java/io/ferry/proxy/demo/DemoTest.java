package io.ferry.proxy.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTest {

    @TempDir
    Path dumpDir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Demo demo = new Demo(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), new CompletableFuture<>());

    @Test
    void sendsTrafficThroughTheRealProxyAndSaysWhereToLook() {
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> demo.run(new Demo.Options(0, 0, 0, true, dumpDir)));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text + err.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("ok: " + (long) Demo.CONNECTIONS * Demo.BYTES_PER_CONNECTION
                + " bytes went through the proxy and came back intact"), text);
        assertTrue(text.matches("(?s).*  listener      127\\.0\\.0\\.1:\\d+ .*"), text);
        assertTrue(text.matches("(?s).*  config dump   curl http://127\\.0\\.0\\.1:\\d+/api/v1/config_dump\n.*"), text);
        assertTrue(text.matches("(?s).*  stats         curl http://127\\.0\\.0\\.1:\\d+/api/v1/stats\n.*"), text);
        assertTrue(text.contains("tcpcopy: opened a " + Demo.WINDOW_SECONDS + " s capture window"), text);
        Path dump = dumpDir.resolve(Demo.TCP_COPY_LOG);
        assertTrue(text.contains("  tcpcopy dump  " + dump + "   ("), text);
        assertTrue(text.matches("(?s).*first line: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d+ \\[INFO\\] \\[[^]]+\\]\\[\\d+\\][0-9a-f]{2} .*"),
                "the demo's bytes are in Layotto's line format: " + text);
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
