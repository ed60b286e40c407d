package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code connection_idle_timeout}: an idle connection is closed, a busy one is not, a slow reader that keeps taking
 * bytes is not idle, and a client that takes nothing while bytes wait for it is reset, never sent a FIN
 * (FILTER-CONTRACT.md R5.4).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleTimeoutIT {

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    @Test
    void idleConnectionIsClosedAfterTheTimeoutAndABusyOneIsNot() throws Exception {
        Duration idle = Duration.ofMillis(1500);
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("l", 0, idle, "c")
                     .cluster("c", LbType.LB_ROUNDROBIN, echo.hostAddress())
                     .build());
             Socket quiet = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"));
             Socket busy = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            long connected = System.nanoTime();
            java.util.concurrent.CompletableFuture<Long> closedAfter = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            assertEquals(-1, quiet.getInputStream().read(), "the quiet connection was closed");
                            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            // The busy connection talks every 100 ms for well over the timeout.
            for (int i = 0; i < 40; i++) {
                busy.getOutputStream().write(i);
                assertEquals(i, busy.getInputStream().read());
                Thread.sleep(100);
            }
            long closedMs = closedAfter.get(30, TimeUnit.SECONDS);
            assertTrue(closedMs >= idle.toMillis(), "the quiet connection was closed after " + closedMs
                    + " ms, before the " + idle.toMillis() + " ms timeout");
            busy.getOutputStream().write(99);
            assertEquals(99, busy.getInputStream().read(), "the busy connection is still open after 4 s");
        }
    }

    @Test
    void aSlowReaderThatKeepsReadingIsNotIdle() throws Exception {
        // 80 KiB/s: the proxy's 128 KiB between the write water marks take 1.6 s to drain, longer than the timeout,
        // but bytes are flushed to the client at every tick.
        Duration idle = Duration.ofSeconds(1);
        byte[] response = new byte[512 * 1024];
        new java.util.Random(7).nextBytes(response);
        TestServers.Behaviour answer = (in, out, shutdownOutput) -> {
            out.write(response);
            out.flush();
            shutdownOutput.run();
            in.readAllBytes();
        };
        try (TestServers.Server upstream = TestServers.tcp(answer);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("l", 0, idle, "c")
                     .cluster("c", LbType.LB_ROUNDROBIN, upstream.hostAddress())
                     .build());
             Socket client = new Socket()) {
            client.setReceiveBufferSize(8 * 1024);
            client.connect(ProxyFixture.tcpAddress(proxy, "l"), 10_000);
            client.setSoTimeout(30_000);
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8 * 1024];
            int n;
            while ((n = client.getInputStream().read(buf)) >= 0) {
                got.write(buf, 0, n);
                Thread.sleep(100);
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(response, got.toByteArray(),
                    "every byte, then the upstream's FIN");
            assertEquals(0, listenerStat(proxy, "connections_reset"));
        }
    }

    @Test
    void aClientThatTakesNothingWhileBytesWaitForItIsResetAfterTheTimeout() throws Exception {
        // The upstream streams without end; the client reads nothing, so bytes pile up in the proxy.
        Duration idle = Duration.ofSeconds(1);
        TestServers.Behaviour endless = (in, out, shutdownOutput) -> {
            byte[] chunk = new byte[64 * 1024];
            while (true) {
                out.write(chunk);
            }
        };
        try (TestServers.Server upstream = TestServers.tcp(endless);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("l", 0, idle, "c")
                     .cluster("c", LbType.LB_ROUNDROBIN, upstream.hostAddress())
                     .build());
             Socket client = new Socket()) {
            client.setReceiveBufferSize(8 * 1024);
            client.connect(ProxyFixture.tcpAddress(proxy, "l"), 10_000);
            client.setSoTimeout(30_000);
            client.getOutputStream().write('x');
            ProxyFixture.await("the stalled client to be reset", Duration.ofSeconds(10),
                    () -> listenerStat(proxy, "connections_reset") == 1);
            long received = 0;
            java.io.IOException reset = null;
            try {
                received = TestServers.drain(client.getInputStream());
            } catch (java.io.IOException e) {
                reset = e;
            }
            assertTrue(reset != null, "the client read " + received + " B, then a clean EOF: a cut stream that looks "
                    + "complete");
            assertTrue(reset.getMessage().contains("reset"), reset.toString());
        }
    }

    private static long listenerStat(ProxyServer proxy, String name) {
        return proxy.stats().getAsJsonObject("listeners").getAsJsonObject("l").get(name).getAsLong();
    }
}
