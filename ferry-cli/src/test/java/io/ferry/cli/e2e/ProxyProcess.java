package io.ferry.cli.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ferry start -c CONFIG} in a JVM of its own, for tests that need a heap limit or a {@code kill -9}. */
final class ProxyProcess implements AutoCloseable {

    final Process process;
    final Path stderr;

    private ProxyProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
    }

    /** Starts the proxy on {@code config} and waits until {@code port} accepts connections. */
    static ProxyProcess start(Path config, int port, Path stderr, String... jvmOptions) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.ferry.cli.Main", "start", "-c",
                config.toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile()).start();
        ProxyProcess proxy = new ProxyProcess(p, stderr);
        proxy.awaitListening(port);
        return proxy;
    }

    /**
     * Waits until {@code port} accepts connections. The proxy binds its listeners before it starts its admin server,
     * so a test that calls the admin API waits for the admin port too.
     */
    void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), "the proxy did not start: " + log());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        close();
        throw new AssertionError("the proxy did not listen on " + port + " within 60 s: " + log());
    }

    /**
     * Waits until {@code port} (the admin API's, say) accepts connections too: the proxy binds its listeners before
     * its admin server, so a listener that accepts does not mean the admin API does yet.
     */
    ProxyProcess awaitPort(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), "the proxy exited: " + log());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return this;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("port " + port + " did not accept within 60 s: " + log());
    }

    String log() throws IOException {
        return Files.exists(stderr) ? Files.readString(stderr) : "";
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Runs a command and returns what it printed. */
    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        p.waitFor(30, TimeUnit.SECONDS);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
