package io.ferry.proxy.it;

import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A unix-socket listener's path is handled like a TCP port, on both transports: a second proxy on a live path is
 * refused at start while the first keeps serving; a stale socket file is replaced; a proxy removes at exit only the
 * socket file it created.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnixSocketOwnershipIT {

    @TempDir
    Path dir;

    private FerryConfig config(Path socket, TestServers.Server upstream) {
        return TestConfigs.create()
                .listener(new ListenerConfig(0, "uds", "unix", socket.toString(), null, -1, true,
                        Duration.ofSeconds(90), List.of(TestConfigs.filter(0, 0, "tcp_proxy", "{\"cluster\":\"c\"}"))))
                .cluster("c", LbType.LB_ROUNDROBIN, upstream.hostAddress())
                .build();
    }

    private static void assertEchoes(Path socket, String text) throws IOException {
        try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(socket));
            byte[] message = text.getBytes(StandardCharsets.US_ASCII);
            client.write(ByteBuffer.wrap(message));
            ByteBuffer in = ByteBuffer.allocate(message.length);
            while (in.hasRemaining() && client.read(in) >= 0) {
                // reading the echo
            }
            assertEquals(text, new String(in.array(), StandardCharsets.US_ASCII));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "nio"})
    void aSecondProxyOnALivePathIsRefusedAndTheFirstKeepsServing(String transport) throws Exception {
        Path socket = dir.resolve("proxy.sock");
        try (TestServers.Server upstream = TestServers.tcp(TestServers.ECHO);
             ProxyServer first = ProxyServer.start(config(socket, upstream), ProxyFixture.registry(),
                     ProxyOptions.defaults().withTransport(transport))) {
            assertEchoes(socket, "first");
            ConfigException refused = assertThrows(ConfigException.class, () -> ProxyServer.start(
                    config(socket, upstream), ProxyFixture.registry(), ProxyOptions.defaults().withTransport(transport)));
            assertEquals("servers[0].listeners[0].address: \"" + socket + "\" (expected: a unix socket path this proxy"
                    + " can listen on; Address already in use: a live process listens on this socket (another proxy?);"
                    + " stop it or choose another path)", refused.getMessage());
            assertTrue(Files.exists(socket), "the refused proxy left the file alone");
            assertEchoes(socket, "first, still");
        }
        assertTrue(Files.notExists(socket), "the first proxy removed its own socket file at exit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "nio"})
    void aStaleSocketFileIsReplaced(String transport) throws Exception {
        Path socket = dir.resolve("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));   // closed without removing the file: a killed process
        }
        assertTrue(Files.exists(socket));
        try (TestServers.Server upstream = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = ProxyServer.start(config(socket, upstream), ProxyFixture.registry(),
                     ProxyOptions.defaults().withTransport(transport))) {
            assertEchoes(socket, "over the replaced file");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "nio"})
    void aPathThatIsNotASocketIsRefusedAndLeftAlone(String transport) throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        try (TestServers.Server upstream = TestServers.tcp(TestServers.ECHO)) {
            ConfigException refused = assertThrows(ConfigException.class, () -> ProxyServer.start(
                    config(file, upstream), ProxyFixture.registry(), ProxyOptions.defaults().withTransport(transport)));
            assertTrue(refused.getMessage().endsWith("it exists and is not a socket; remove it or choose another"
                    + " path)"), refused.getMessage());
        }
        assertEquals("mine", Files.readString(file));
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "nio"})
    void aProxyRemovesOnlyTheSocketFileItCreated(String transport) throws Exception {
        Path socket = dir.resolve("shared.sock");
        try (TestServers.Server upstream = TestServers.tcp(TestServers.ECHO)) {
            ProxyServer first = ProxyServer.start(config(socket, upstream), ProxyFixture.registry(),
                    ProxyOptions.defaults().withTransport(transport));
            Files.delete(socket);   // an operator removes it; a second proxy then takes the path
            try (ProxyServer second = ProxyServer.start(config(socket, upstream), ProxyFixture.registry(),
                    ProxyOptions.defaults().withTransport(transport))) {
                first.close();
                assertTrue(Files.exists(socket), "the first proxy did not remove the second one's socket file");
                assertEchoes(socket, "the second proxy still serves");
            }
            assertTrue(Files.notExists(socket), "the second removed its own");
        }
    }
}
