package com.example.ferry.router;

import io.ferry.filter.registry.FilterRegistry;
import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end over real sockets on 127.0.0.1: the router, found by its type on the class path, in front of the
 * runtime's {@code tcp_proxy}, with two upstream clusters. Each upstream greets with its cluster's name, then echoes;
 * every connection must reach the cluster its preamble names and get its bytes back, byte-exact, preamble stripped.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PreambleRouterInTheProxyTest {

    /** An upstream on an ephemeral port: greets with {@code name}, then echoes until the client's FIN, then FINs. */
    static final class Upstream implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger accepted = new AtomicInteger();
        final ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-upstream");
            t.setDaemon(true);
            return t;
        });

        Upstream(String name) throws IOException {
            server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            threads.execute(() -> {
                while (!server.isClosed()) {
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (IOException closed) {
                        return;
                    }
                    accepted.incrementAndGet();
                    threads.execute(() -> {
                        try (s) {
                            OutputStream out = s.getOutputStream();
                            out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                            s.getInputStream().transferTo(out);
                            s.shutdownOutput();
                        } catch (IOException e) {
                            // the client went away
                        }
                    });
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }

    private Upstream blue;
    private Upstream green;
    private ProxyServer proxy;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        blue = new Upstream("blue");
        green = new Upstream("green");
        String json = """
                {
                  "servers": [{"default_log_level": "WARN", "listeners": [{
                    "name": "routed", "address": "127.0.0.1:0", "bind_port": true,
                    "filter_chains": [{"filters": [
                      {"type": "example.preamble_router", "config": {"clusters": ["blue", "green"]}},
                      {"type": "tcp_proxy", "config": {"cluster": "blue"}}
                    ]}]
                  }]}],
                  "cluster_manager": {"clusters": [
                    {"name": "blue", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:%d"}]},
                    {"name": "green", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:%d"}]}
                  ]}
                }
                """.formatted(blue.port(), green.port());
        FerryConfig config = MosnConfigLoader.parse(json, "preamble-router-test.json");
        proxy = ProxyServer.start(config, FilterRegistry.builder().build());
        address = (InetSocketAddress) proxy.listeners().get("routed");
    }

    @AfterEach
    void stop() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        blue.close();
        green.close();
    }

    /** Sends the preamble and {@code data} (the preamble cut in two writes), then the FIN; returns what came back. */
    private byte[] exchange(String cluster, byte[] data, long seed) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(30_000);
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return new BufferedInputStream(s.getInputStream()).readAllBytes();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            OutputStream out = s.getOutputStream();
            byte[] preamble = ("ROUTE " + cluster + "\n").getBytes(StandardCharsets.US_ASCII);
            out.write(preamble, 0, 3);
            out.flush();
            Thread.sleep(20);
            out.write(preamble, 3, preamble.length - 3);
            SplittableRandom random = new SplittableRandom(seed);
            for (int off = 0; off < data.length; ) {
                int n = Math.min(data.length - off, 1 + random.nextInt(32 * 1024));
                out.write(data, off, n);
                off += n;
            }
            s.shutdownOutput();
            return back.get(30, TimeUnit.SECONDS);
        }
    }

    private static byte[] expected(String cluster, byte[] data) {
        byte[] greeting = (cluster + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[greeting.length + data.length];
        System.arraycopy(greeting, 0, all, 0, greeting.length);
        System.arraycopy(data, 0, all, greeting.length, data.length);
        return all;
    }

    @Test
    void eachConnectionReachesTheClusterItsPreambleNames() throws Exception {
        long seed = System.nanoTime();
        System.out.println("PreambleRouterInTheProxyTest seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] data = new byte[256 * 1024];
        random.nextBytes(data);
        assertArrayEquals(expected("green", data), exchange("green", data, seed), "seed " + seed);
        assertArrayEquals(expected("blue", data), exchange("blue", data, seed), "seed " + seed);
        assertEquals(1, green.accepted.get());
        assertEquals(1, blue.accepted.get());
    }

    @Test
    void manyConnectionsAtOnceEachToItsCluster() throws Exception {
        long seed = System.nanoTime();
        System.out.println("PreambleRouterInTheProxyTest seed " + seed);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        AtomicInteger toGreen = new AtomicInteger();
        for (int i = 0; i < 24; i++) {
            long s = seed + i;
            String cluster = (s & 1) == 0 ? "green" : "blue";
            if (cluster.equals("green")) {
                toGreen.incrementAndGet();
            }
            all.add(CompletableFuture.runAsync(() -> {
                byte[] data = new byte[1 + new SplittableRandom(s).nextInt(64 * 1024)];
                new SplittableRandom(s).nextBytes(data);
                try {
                    assertArrayEquals(expected(cluster, data), exchange(cluster, data, s), "connection seed " + s);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(45, TimeUnit.SECONDS);
        assertEquals(toGreen.get(), green.accepted.get(), "seed " + seed);
        assertEquals(24 - toGreen.get(), blue.accepted.get(), "seed " + seed);
        var stats = proxy.stats().getAsJsonObject("filters").getAsJsonObject(PreambleRouterProvider.TYPE + ".routed");
        assertEquals(24, stats.get("routed").getAsLong());
    }

    @Test
    void aConnectionWithoutAValidPreambleIsClosedAndDialsNothing() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write("ROUTE red\nhello".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            int r;
            try {
                r = in.read();
            } catch (IOException reset) {
                r = -1;
            }
            assertEquals(-1, r);
        }
        assertEquals(0, blue.accepted.get() + green.accepted.get());
        assertTrue(proxy.stats().getAsJsonObject("filters").getAsJsonObject(PreambleRouterProvider.TYPE + ".routed")
                .get("rejected").getAsLong() == 1);
    }
}
