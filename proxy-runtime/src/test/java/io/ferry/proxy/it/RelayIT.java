package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bytes in equal bytes out through tcp_proxy, checksummed, over many parallel connections and large transfers. */
class RelayIT {

    private static final int CONNECTIONS = 64;
    private static final int BYTES_PER_CONNECTION = 3 * 1024 * 1024;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void manyParallelConnectionsEchoEveryByteInOrder() throws Exception {
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("relay", 0, Duration.ofSeconds(90), "echo")
                     .cluster("echo", LbType.LB_ROUNDROBIN, echo.hostAddress())
                     .build())) {
            InetSocketAddress address = ProxyFixture.tcpAddress(proxy, "relay");
            ExecutorService pool = Executors.newFixedThreadPool(2 * CONNECTIONS);
            try {
                List<Future<byte[][]>> results = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    long seed = i;
                    results.add(pool.submit(() -> roundTrip(pool, address, seed)));
                }
                for (Future<byte[][]> f : results) {
                    byte[][] digests = f.get();
                    assertArrayEquals(digests[0], digests[1], "sha-256 of the bytes sent vs received");
                }
            } finally {
                pool.shutdownNow();
            }
            long total = (long) CONNECTIONS * BYTES_PER_CONNECTION;
            ProxyFixture.await("listener counters to settle", Duration.ofSeconds(10),
                    () -> proxy.stats().getAsJsonObject("listeners").getAsJsonObject("relay")
                            .get("connections_active").getAsLong() == 0);
            var listener = proxy.stats().getAsJsonObject("listeners").getAsJsonObject("relay");
            assertEquals(CONNECTIONS, listener.get("connections_total").getAsLong());
            assertEquals(total, listener.get("bytes_in").getAsLong());
            assertEquals(total, listener.get("bytes_out").getAsLong());
            var cluster = proxy.stats().getAsJsonObject("clusters").getAsJsonObject("echo");
            assertEquals(CONNECTIONS, cluster.get("connections_total").getAsLong());
            assertEquals(total, cluster.get("bytes_out").getAsLong());
            assertEquals(total, cluster.get("bytes_in").getAsLong());
        }
    }

    /** Sends pseudo-random bytes in random-sized writes while reading the echo; returns {sent, received} digests. */
    private static byte[][] roundTrip(ExecutorService pool, InetSocketAddress address, long seed) throws Exception {
        try (Socket s = TestServers.connect(address)) {
            Future<byte[]> received = pool.submit(() -> {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                InputStream in = s.getInputStream();
                byte[] buf = new byte[32 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buf)) >= 0) {
                    md.update(buf, 0, n);
                    total += n;
                }
                assertEquals(BYTES_PER_CONNECTION, total, "bytes echoed on connection " + seed);
                return md.digest();
            });
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            SplittableRandom random = new SplittableRandom(seed);
            OutputStream out = s.getOutputStream();
            byte[] chunk = new byte[70_000];
            int sent = 0;
            while (sent < BYTES_PER_CONNECTION) {
                int n = Math.min(BYTES_PER_CONNECTION - sent, 1 + random.nextInt(chunk.length));
                for (int i = 0; i < n; i++) {
                    chunk[i] = (byte) random.nextInt();
                }
                out.write(chunk, 0, n);
                md.update(chunk, 0, n);
                sent += n;
            }
            out.flush();
            s.shutdownOutput();
            byte[] got = received.get(100, TimeUnit.SECONDS);
            return new byte[][]{md.digest(), got};
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
