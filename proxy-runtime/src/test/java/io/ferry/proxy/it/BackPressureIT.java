package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A slow reader on either side stops reading on the other: the fast writer stalls, the proxy's buffered bytes stay
 * bounded, and once the reader resumes every byte arrives in order.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BackPressureIT {

    private static final long TOTAL = 64L * 1024 * 1024;
    /** Generous: the high-water mark (128 KiB) per direction plus one read, far below what a flood would reach. */
    private static final long PROXY_BOUND = 2L * 1024 * 1024;

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    static byte pattern(long i) {
        return (byte) (i * 131 + (i >>> 9));
    }

    /** Writes {@code total} pattern bytes, counting them as they are accepted by the socket. */
    static void flood(OutputStream out, long total, AtomicLong written) throws IOException {
        byte[] chunk = new byte[16 * 1024];
        long pos = 0;
        while (pos < total) {
            int n = (int) Math.min(chunk.length, total - pos);
            for (int i = 0; i < n; i++) {
                chunk[i] = pattern(pos + i);
            }
            out.write(chunk, 0, n);
            pos += n;
            written.set(pos);
        }
        out.flush();
    }

    /** Reads {@code total} bytes and checks each against the pattern; returns the count read before EOF. */
    static long readAndVerify(InputStream in, long total) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long pos = 0;
        int n;
        while (pos < total && (n = in.read(buf)) >= 0) {
            for (int i = 0; i < n; i++) {
                if (buf[i] != pattern(pos + i)) {
                    throw new AssertionError("byte " + (pos + i) + " differs");
                }
            }
            pos += n;
        }
        return pos;
    }

    /** Waits until {@code written} has not moved for a while (the writer is blocked) and returns its value. */
    static long awaitStall(AtomicLong written) throws InterruptedException {
        long last = -1;
        int still = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (still < 30) {
            long now = written.get();
            still = now == last ? still + 1 : 0;
            last = now;
            Thread.sleep(20);
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the writer never stalled: " + now + " bytes written");
            }
        }
        return last;
    }

    @Test
    void clientThatStopsReadingStallsTheUpstream() throws Exception {
        AtomicLong upstreamWritten = new AtomicLong();
        TestServers.Behaviour flooder = (in, out, shutdownOutput) -> {
            flood(out, TOTAL, upstreamWritten);
            shutdownOutput.run();
            in.readAllBytes();
        };
        try (TestServers.Server upstream = TestServers.tcp(flooder);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("l", 0, Duration.ofSeconds(90), "c")
                     .cluster("c", LbType.LB_ROUNDROBIN, upstream.hostAddress())
                     .build());
             Socket client = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            client.setReceiveBufferSize(64 * 1024);
            long stalledAt = awaitStall(upstreamWritten);
            assertTrue(stalledAt < TOTAL, "the upstream stalled before writing everything: " + stalledAt);
            long buffered = proxy.pendingWriteBytes();
            assertTrue(buffered <= PROXY_BOUND, "the proxy buffers " + buffered + " bytes (bound " + PROXY_BOUND + ")");
            assertEquals(TOTAL, readAndVerify(client.getInputStream(), TOTAL));
            assertEquals(-1, client.getInputStream().read(), "EOF after the upstream's FIN");
        }
    }

    @Test
    void upstreamThatStopsReadingStallsTheClient() throws Exception {
        Object gate = new Object();
        boolean[] open = {false};
        long[] upstreamRead = {-1};
        TestServers.Behaviour slowSink = (in, out, shutdownOutput) -> {
            synchronized (gate) {
                while (!open[0]) {
                    try {
                        gate.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            long n = readAndVerify(in, TOTAL);
            synchronized (gate) {
                upstreamRead[0] = n;
                gate.notifyAll();
            }
            shutdownOutput.run();
        };
        try (TestServers.Server upstream = TestServers.tcp(slowSink);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("l", 0, Duration.ofSeconds(90), "c")
                     .cluster("c", LbType.LB_ROUNDROBIN, upstream.hostAddress())
                     .build());
             Socket client = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            AtomicLong clientWritten = new AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    flood(client.getOutputStream(), TOTAL, clientWritten);
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, "test-client-writer");
            writer.setDaemon(true);
            writer.start();
            long stalledAt = awaitStall(clientWritten);
            assertTrue(stalledAt < TOTAL, "the client stalled before writing everything: " + stalledAt);
            long buffered = proxy.pendingWriteBytes();
            assertTrue(buffered <= PROXY_BOUND, "the proxy buffers " + buffered + " bytes (bound " + PROXY_BOUND + ")");
            synchronized (gate) {
                open[0] = true;
                gate.notifyAll();
                while (upstreamRead[0] < 0) {
                    gate.wait(30_000);
                }
            }
            assertEquals(TOTAL, upstreamRead[0]);
            writer.join(30_000);
            assertEquals(-1, client.getInputStream().read(), "EOF after the upstream's FIN");
        }
    }
}
