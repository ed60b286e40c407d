package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A unix-socket listener in front of a unix-socket upstream (MOSN's uds-sample), on both transports, with the
 * client's half-close forwarded as a FIN and the upstream's FIN after the echo.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnixSocketIT {

    @TempDir
    Path dir;

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "nio"})
    void unixListenerForwardsToUnixUpstreamWithHalfClose(String transport) throws Exception {
        Path listenerPath = dir.resolve("proxy.sock");
        try (TestServers.Server upstream = TestServers.unix(dir.resolve("upstream.sock"), TestServers.ECHO);
             ProxyServer proxy = ProxyServer.start(TestConfigs.create()
                     .listener(new ListenerConfig(0, "uds", "unix", listenerPath.toString(), null, -1, true,
                             Duration.ofSeconds(90), List.of(TestConfigs.filter(0, 0, "tcp_proxy",
                             "{\"cluster\":\"c\"}"))))
                     .cluster("c", LbType.LB_ROUNDROBIN, upstream.hostAddress())
                     .build(), ProxyFixture.registry(), ProxyOptions.defaults().withTransport(transport))) {
            assertEquals(UnixDomainSocketAddress.of(listenerPath), proxy.listeners().get("uds"));
            try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                client.connect(UnixDomainSocketAddress.of(listenerPath));
                byte[] message = "over a unix socket, twice\n".repeat(5000).getBytes(StandardCharsets.US_ASCII);
                ByteBuffer out = ByteBuffer.wrap(message);
                while (out.hasRemaining()) {
                    client.write(out);
                }
                client.shutdownOutput();
                ByteBuffer in = ByteBuffer.allocate(message.length + 1);
                while (in.position() < message.length && client.read(in) >= 0) {
                    // reading the echo
                }
                assertEquals(-1, client.read(ByteBuffer.allocate(1)), "the upstream's FIN is forwarded");
                assertEquals(message.length, in.position());
                assertEquals(ByteBuffer.wrap(message), in.flip());
            }
        }
    }
}
