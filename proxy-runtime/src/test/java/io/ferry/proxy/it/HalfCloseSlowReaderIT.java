package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 10's scenario, as it was reported: each client sends 4 MiB, shuts down its write side, waits 1.5 s with a
 * 16 KiB receive buffer, then reads to EOF; the upstream echoes and sends its FIN after the client's. Every client
 * must get all 4 MiB back (FILTER-CONTRACT.md R5.1, R5.3), on both transports and both listener kinds. Before the fix,
 * epoll lost the end of every response (Netty dropped the socket from its epoll set, then failed the pending writes)
 * and NIO's unix listener closed on the client's FIN.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HalfCloseSlowReaderIT {

    private static final int SIZE = 4 * 1024 * 1024;
    private static final int CLIENTS = 10;

    @TempDir
    Path dir;

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    @ParameterizedTest(name = "{0} transport, {1} listener")
    @CsvSource({"epoll, tcp", "nio, tcp", "epoll, unix", "nio, unix"})
    void everyByteOfTheResponseArrivesAfterTheClientsHalfClose(String transport, String listenerKind)
            throws Exception {
        Assumptions.assumeTrue(!transport.equals("epoll") || Epoll.isAvailable(), "native epoll does not load here");
        boolean unix = listenerKind.equals("unix");
        Path listenerPath = dir.resolve("proxy.sock");
        ListenerConfig listener = unix
                ? new ListenerConfig(0, "l", "unix", listenerPath.toString(), null, -1, true, Duration.ofSeconds(90),
                        List.of(TestConfigs.filter(0, 0, "tcp_proxy", "{\"cluster\":\"c\"}")))
                : new ListenerConfig(0, "l", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true, Duration.ofSeconds(90),
                        List.of(TestConfigs.filter(0, 0, "tcp_proxy", "{\"cluster\":\"c\"}")));
        byte[] payload = new byte[SIZE];
        new java.util.Random(42).nextBytes(payload);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(payload);
        ExecutorService pool = Executors.newCachedThreadPool();
        try (TestServers.Server upstream = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = ProxyServer.start(TestConfigs.create().listener(listener)
                     .cluster("c", LbType.LB_ROUNDROBIN, upstream.hostAddress()).build(),
                     ProxyFixture.registry(), ProxyOptions.defaults().withTransport(transport))) {
            List<Future<long[]>> results = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                results.add(pool.submit(() -> {
                    SocketChannel client = unix ? SocketChannel.open(StandardProtocolFamily.UNIX)
                            : SocketChannel.open(StandardProtocolFamily.INET);
                    try (client) {
                        client.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
                        client.connect(unix ? UnixDomainSocketAddress.of(listenerPath)
                                : (InetSocketAddress) proxy.listeners().get("l"));
                        Future<?> writer = pool.submit(() -> {
                            ByteBuffer out = ByteBuffer.wrap(payload);
                            while (out.hasRemaining()) {
                                client.write(out);
                            }
                            client.shutdownOutput();
                            return null;
                        });
                        try {
                            writer.get(20, TimeUnit.SECONDS);
                        } catch (java.util.concurrent.TimeoutException stillWriting) {
                            // the buffers on the way cannot hold 4 MiB: reading below lets the writer finish
                        }
                        Thread.sleep(1500);
                        MessageDigest md = MessageDigest.getInstance("SHA-256");
                        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
                        long total = 0;
                        int n;
                        while ((n = client.read(in)) >= 0) {
                            in.flip();
                            md.update(in);
                            in.clear();
                            total += n;
                        }
                        writer.get(30, TimeUnit.SECONDS);
                        return new long[]{total, java.util.Arrays.equals(md.digest(), digest) ? 1 : 0};
                    }
                }));
            }
            int complete = 0;
            StringBuilder lost = new StringBuilder();
            for (int i = 0; i < CLIENTS; i++) {
                long[] r = results.get(i).get(100, TimeUnit.SECONDS);
                if (r[0] == SIZE && r[1] == 1) {
                    complete++;
                } else {
                    lost.append(String.format(" client %d got %,d of %,d bytes%s;", i, r[0], SIZE,
                            r[0] == SIZE ? " (content differs)" : ""));
                }
            }
            assertEquals(CLIENTS, complete, CLIENTS - complete + " of " + CLIENTS + " clients lost bytes:" + lost);
        } finally {
            pool.shutdownNow();
        }
    }
}
