package io.ferry.cli;

import io.ferry.filter.registry.FilterRegistry;
import io.ferry.filter.registry.ProviderInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ferry start} and {@code ferry filters} with the real registry and runtime. */
class MainStartIT {

    @org.junit.jupiter.api.AfterEach
    void restoreLogging() throws Exception {
        io.ferry.cli.Logging.configure(new io.ferry.proxy.config.ServerConfig("", null, "INFO",
                Duration.ofSeconds(30), java.util.List.of()));
    }

    @Test
    void startRunsTheProxyUntilStoppedAndServesTheAdminApi(@TempDir Path dir) throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (EchoServer echo = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                Path config = Files.writeString(dir.resolve("ferry.json"), "{\"servers\":[{\"default_log_path\":\""
                        + dir.resolve("ferry.log") + "\",\"graceful_timeout\":\"1s\",\"listeners\":[{\"name\":\"l\","
                        + "\"address\":\"127.0.0.1:0\",\"bind_port\":true,\"filter_chains\":[{\"filters\":[{\"type\":"
                        + "\"tcp_proxy\",\"config\":{\"cluster\":\"echo\",\"token\":\"s3cret\"}}]}]}]}],"
                        + "\"cluster_manager\":{\"clusters\":[{\"name\":\"echo\",\"hosts\":[{\"address\":\"127.0.0.1:"
                        + echo.address().getPort() + "\"}]}]},"
                        + "\"admin\":{\"address\":{\"socket_address\":{\"address\":\"127.0.0.1\",\"port_value\":0}}}}");
                Main main = new Main(System.out, System.err);
                CompletableFuture<Integer> exit = startAndAwait(main, config);
                SocketAddress listener = main.running.listeners().get("l");

                try (Socket s = new Socket()) {
                    s.connect(listener, 10_000);
                    s.setSoTimeout(30_000);
                    s.getOutputStream().write("through ferry".getBytes(StandardCharsets.UTF_8));
                    s.shutdownOutput();
                    InputStream in = s.getInputStream();
                    assertEquals("through ferry", new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }

                InetSocketAddress admin = main.running.adminAddress().orElseThrow();
                HttpResponse<String> dump = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + admin.getPort() + "/api/v1/config_dump")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, dump.statusCode());
                assertTrue(dump.body().contains("\"token\": \"***REDACTED***\""), dump.body());

                main.requestStop();
                assertEquals(0, exit.join());
                try (Socket s = new Socket()) {
                    assertThrows(IOException.class, () -> s.connect(listener, 5_000), "the listener is closed");
                }
                assertTrue(Files.readString(dir.resolve("ferry.log")).contains("listener l on "),
                        "logs go to default_log_path");
            }
        });
    }

    @Test
    void theTcpproxySampleShapeForwardsManyHalfClosedConnectionsByteForByte(@TempDir Path dir) throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (EchoServer echo = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                String sample = Files.readString(MainTest.corpus("accepted/tcpproxy-sample.json"))
                        .replace("127.0.0.1:2045", "127.0.0.1:0")
                        .replace("127.0.0.1:8080", "127.0.0.1:" + echo.address().getPort())
                        .replace("\"default_log_path\": \"stdout\"", "\"default_log_path\": \"stderr\"");
                Path config = Files.writeString(dir.resolve("config.json"), sample);
                Main main = new Main(System.out, System.err);
                CompletableFuture<Integer> exit = startAndAwait(main, config);
                SocketAddress listener = main.running.listeners().get("proxyListener");

                List<CompletableFuture<Void>> clients = new ArrayList<>();
                ExecutorService pool = Executors.newFixedThreadPool(32);
                for (int i = 0; i < 16; i++) {
                    int seed = i;
                    clients.add(CompletableFuture.runAsync(() -> halfClosedRoundTrip(listener, seed, 200_000 + seed, pool),
                            pool));
                }
                CompletableFuture.allOf(clients.toArray(new CompletableFuture[0])).join();
                pool.shutdownNow();

                main.requestStop();
                assertEquals(0, exit.join());
            }
        });
    }

    /** Runs {@code ferry start -c config} on another thread and waits until the proxy is up. */
    private static CompletableFuture<Integer> startAndAwait(Main main, Path config) throws InterruptedException {
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> main.run(new String[] {"start", "-c", config.toString()}));
        while (main.running == null && !exit.isDone()) {
            Thread.sleep(20);
        }
        assertTrue(main.running != null, "start returned " + (exit.isDone() ? exit.join() : null));
        return exit;
    }

    /** Writes {@code size} bytes, shuts down the write side, and expects every byte back before EOF. */
    private static void halfClosedRoundTrip(SocketAddress listener, int seed, int size, ExecutorService pool) {
        byte[] payload = new byte[size];
        new Random(seed).nextBytes(payload);
        try (Socket s = new Socket()) {
            s.connect(listener, 10_000);
            s.setSoTimeout(30_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(payload);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, pool);
            byte[] back = s.getInputStream().readAllBytes();
            writer.join();
            CRC32 sent = new CRC32();
            sent.update(payload);
            CRC32 received = new CRC32();
            received.update(back);
            assertEquals(payload.length, back.length, "connection " + seed);
            assertEquals(sent.getValue(), received.getValue(), "connection " + seed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void anUnknownFilterTypeExitsOneNamingThePath(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("c.json"), "{\"servers\":[{\"listeners\":[{\"address\":"
                + "\"127.0.0.1:0\",\"bind_port\":true,\"filter_chains\":[{\"filters\":[{\"type\":\"tcp_proxyy\"}]}]}]}]}");
        MainTest.Run r = new MainTest.Run("start", "-c", config.toString());
        assertEquals(1, r.code);
        assertTrue(r.err().startsWith("ferry: ") && r.err().contains("servers[0].listeners[0].filter_chains[0].filters[0]")
                && r.err().contains("tcp_proxyy"), r.err());
    }

    @Test
    void filtersPrintsOneInventoryLinePerProvider(@TempDir Path emptyPlugins) throws Exception {
        MainTest.Run r = new MainTest.Run("filters", "--plugins-dir", emptyPlugins.toString());
        assertEquals(0, r.code, r.err());
        StringBuilder expected = new StringBuilder();
        for (ProviderInfo p : FilterRegistry.builder().pluginsDir(emptyPlugins).build().providers()) {
            expected.append(p.inventoryLine()).append('\n');
        }
        assertEquals(expected.toString(), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("tcp_proxy  ")), r.out());
    }
}
