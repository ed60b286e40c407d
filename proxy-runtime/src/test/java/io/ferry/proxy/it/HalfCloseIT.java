package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * TCP half-close through tcp_proxy: a FIN is forwarded as a FIN in each direction, so a client that shuts down its
 * write side after the request still gets the whole response (MOSN closes the connection and loses it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HalfCloseIT {

    /** Reads the request until the client's FIN, then answers with a large response and closes. */
    private static final TestServers.Behaviour READ_ALL_THEN_ANSWER = (in, out, shutdownOutput) -> {
        byte[] request = in.readAllBytes();
        out.write(response(request));
        out.flush();
        shutdownOutput.run();
    };

    static byte[] response(byte[] request) {
        byte[] r = new byte[2 * 1024 * 1024 + request.length];
        for (int i = 0; i < r.length - request.length; i++) {
            r[i] = (byte) (i * 31 + 7);
        }
        System.arraycopy(request, 0, r, r.length - request.length, request.length);
        return r;
    }

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    @Test
    void clientThatShutsDownItsWriteSideStillGetsTheWholeResponse() throws Exception {
        try (TestServers.Server upstream = TestServers.tcp(READ_ALL_THEN_ANSWER);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("l", 0, Duration.ofSeconds(90), "c")
                     .cluster("c", LbType.LB_ROUNDROBIN, upstream.hostAddress())
                     .build());
             Socket client = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            byte[] request = "GET everything, then I stop writing\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
            client.getOutputStream().write(request);
            client.shutdownOutput();
            byte[] got = client.getInputStream().readAllBytes();
            assertEquals(response(request).length, got.length);
            assertArrayEquals(response(request), got);
        }
    }

    @Test
    void upstreamThatShutsDownItsWriteSideStillReceivesTheClientsBytes() throws Exception {
        // The upstream greets, sends its FIN at once, then keeps reading until the client's FIN, and reports the
        // count on stdout-free channel: it echoes nothing, the test checks what it read.
        ByteArrayOutputStream seenByUpstream = new ByteArrayOutputStream();
        TestServers.Behaviour greetThenListen = (in, out, shutdownOutput) -> {
            out.write("hello\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            shutdownOutput.run();
            byte[] all = in.readAllBytes();
            synchronized (seenByUpstream) {
                seenByUpstream.write(all);
                seenByUpstream.notifyAll();
            }
        };
        try (TestServers.Server upstream = TestServers.tcp(greetThenListen);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("l", 0, Duration.ofSeconds(90), "c")
                     .cluster("c", LbType.LB_ROUNDROBIN, upstream.hostAddress())
                     .build());
             Socket client = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            InputStream in = client.getInputStream();
            byte[] greeting = in.readAllBytes();
            assertEquals("hello\n", new String(greeting, StandardCharsets.US_ASCII), "greeting, then EOF");
            byte[] body = new byte[1024 * 1024];
            Arrays.fill(body, (byte) 'x');
            OutputStream out = client.getOutputStream();
            out.write(body);
            client.shutdownOutput();
            synchronized (seenByUpstream) {
                while (seenByUpstream.size() < body.length) {
                    seenByUpstream.wait(30_000);
                }
            }
            assertArrayEquals(body, seenByUpstream.toByteArray());
        }
    }
}
