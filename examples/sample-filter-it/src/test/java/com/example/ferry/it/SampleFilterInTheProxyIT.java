package com.example.ferry.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole product path a plugin author takes: the sample filter's own jar dropped into a plugin directory, the
 * runnable jar that {@code ./ferry} runs listing it and proxying through it, as separate processes.
 */
class SampleFilterInTheProxyIT {

    private static final Pattern LISTENER_LINE = Pattern.compile("listener guarded on /127\\.0\\.0\\.1:(\\d+)");

    private final List<Process> processes = new ArrayList<>();
    private ServerSocket upstream;

    @AfterEach
    void stop() throws IOException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static Path ferryJar() {
        String jar = System.getProperty("ferry.jar");
        assertNotNull(jar, "ferry.jar is not set: run these tests through Maven");
        Path path = Path.of(jar);
        assertTrue(Files.isRegularFile(path), "The runnable jar " + path + " is missing: run `mvn verify`");
        return path;
    }

    private Process ferry(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", ferryJar().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    @Test
    void filtersCommandListsThePluginWithItsJarLocation(@TempDir Path dir) throws Exception {
        Path plugins = SamplePlugin.deployInto(dir);
        Process p = ferry("filters", "--plugins-dir", plugins.toString());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ferry filters did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        Path jar = plugins.resolve(SamplePlugin.builtJar().getFileName());
        assertTrue(out.lines().anyMatch(l -> l.startsWith(SamplePlugin.TYPE + " ") && l.endsWith(jar.toString())),
                "one line per provider: type, version, location; got:\n" + out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("tcp_proxy ")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("tcpcopy ")), out);
    }

    @Test
    void theProxyRunsThePluginInFrontOfTcpProxy(@TempDir Path dir) throws Exception {
        Path plugins = SamplePlugin.deployInto(dir);
        upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread echo = new Thread(this::echoUntilClosed, "echo-upstream");
        echo.setDaemon(true);
        echo.start();

        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\n"
                + "  \"servers\": [{\"listeners\": [{\n"
                + "    \"name\": \"guarded\", \"address\": \"127.0.0.1:0\", \"bind_port\": true,\n"
                + "    \"filter_chains\": [{\"filters\": [\n"
                + "      {\"type\": \"example.deny_prefix\", \"config\": {\"prefix\": \"DROP \"}},\n"
                + "      {\"type\": \"tcp_proxy\", \"config\": {\"cluster\": \"echo\"}}\n"
                + "    ]}]\n"
                + "  }]}],\n"
                + "  \"cluster_manager\": {\"clusters\": [{\"name\": \"echo\", \"hosts\": [{\"address\": \"127.0.0.1:"
                + upstream.getLocalPort() + "\"}]}]}\n"
                + "}\n");
        Process p = ferry("start", "-c", config.toString(), "--plugins-dir", plugins.toString());
        int port = awaitListenerPort(p);

        byte[] request = "hello through a third-party filter".getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request);
            s.shutdownOutput();
            assertArrayEquals(request, s.getInputStream().readAllBytes(), "passed through and echoed");
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("DROP me".getBytes(StandardCharsets.UTF_8));
            assertEquals(-1, s.getInputStream().read(), "a connection starting with the prefix is closed");
        }
    }

    /** Reads the proxy's log until it names the listener's bound port. */
    private static int awaitListenerPort(Process p) throws Exception {
        BlockingQueue<Object> found = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            StringBuilder seen = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    seen.append(line).append('\n');
                    Matcher m = LISTENER_LINE.matcher(line);
                    if (m.find()) {
                        found.add(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            found.add(seen.toString());
        }, "ferry-log");
        reader.setDaemon(true);
        reader.start();
        Object first = found.poll(60, TimeUnit.SECONDS);
        if (first instanceof Integer) {
            return (Integer) first;
        }
        throw new AssertionError("the proxy did not report its listener; its output:\n" + first);
    }

    private void echoUntilClosed() {
        while (!upstream.isClosed()) {
            try {
                Socket s = upstream.accept();
                Thread t = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        in.transferTo(out);
                        s.shutdownOutput();
                    } catch (IOException ignored) {
                        // the client went away
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }
}
