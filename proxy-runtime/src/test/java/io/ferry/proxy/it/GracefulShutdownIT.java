package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code shutdownGracefully}: new connections are refused, open ones finish, then everything stops. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GracefulShutdownIT {

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    private static boolean refused(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 5_000);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void inFlightConnectionCompletesWhileNewOnesAreRefused() throws Exception {
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO)) {
            ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                    .tcpProxyListener("l", 0, Duration.ofSeconds(90), "c")
                    .cluster("c", LbType.LB_ROUNDROBIN, echo.hostAddress())
                    .gracefulTimeout(Duration.ofSeconds(30))
                    .build());
            InetSocketAddress address = ProxyFixture.tcpAddress(proxy, "l");
            try (Socket inFlight = TestServers.connect(address)) {
                inFlight.getOutputStream().write(1);
                assertEquals(1, inFlight.getInputStream().read());
                Thread shutdown = new Thread(proxy::shutdownGracefully, "test-shutdown");
                shutdown.start();
                ProxyFixture.await("the listener to refuse connections", Duration.ofSeconds(10),
                        () -> refused(address));
                assertTrue(shutdown.isAlive(), "still draining the open connection");
                for (int i = 2; i < 50; i++) {
                    inFlight.getOutputStream().write(i);
                    assertEquals(i, inFlight.getInputStream().read(), "the in-flight connection keeps working");
                }
                inFlight.shutdownOutput();
                assertEquals(-1, inFlight.getInputStream().read());
                shutdown.join(30_000);
                assertTrue(!shutdown.isAlive(), "shutdown finished once the last connection closed");
            }
            assertThrows(ConnectException.class, () -> new Socket(address.getAddress(), address.getPort()).close());
        }
    }

    @Test
    void openConnectionsAreToldOfTheShutdownThenClosedAsByAFilter() throws Exception {
        ThirdPartyFilters.LOG.clear();
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO)) {
            io.ferry.proxy.config.ListenerConfig l = new io.ferry.proxy.config.ListenerConfig(0, "l", "tcp",
                    "127.0.0.1:0", "127.0.0.1", 0, true, Duration.ofSeconds(90), java.util.List.of(
                    TestConfigs.filter(0, 0, "test.events", "{}"),
                    TestConfigs.filter(0, 1, "tcp_proxy", "{\"cluster\":\"c\"}")));
            ProxyServer proxy = ProxyFixture.start(TestConfigs.create().listener(l)
                    .cluster("c", LbType.LB_ROUNDROBIN, echo.hostAddress())
                    .gracefulTimeout(Duration.ofMillis(500))
                    .build());
            try (Socket open = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                open.getOutputStream().write(1);
                assertEquals(1, open.getInputStream().read());
                proxy.shutdownGracefully();
                ProxyFixture.await("the close event", Duration.ofSeconds(10),
                        () -> ThirdPartyFilters.LOG.stream().anyMatch(e -> e.endsWith(" LOCAL_CLOSE")));
                java.util.List<String> events = ThirdPartyFilters.LOG.stream().map(e -> e.replaceAll("^events \\d+ ", ""))
                        .toList();
                assertEquals(java.util.List.of("ON_SHUTDOWN", "LOCAL_CLOSE"), events,
                        "ON_SHUTDOWN when the drain starts, LOCAL_CLOSE when graceful_timeout ends it");
            }
        }
    }

    @Test
    void connectionsStillOpenAtTheGracefulTimeoutAreClosed() throws Exception {
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO)) {
            ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                    .tcpProxyListener("l", 0, Duration.ofSeconds(90), "c")
                    .cluster("c", LbType.LB_ROUNDROBIN, echo.hostAddress())
                    .gracefulTimeout(Duration.ofMillis(200))
                    .build());
            try (Socket open = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                open.getOutputStream().write(1);
                assertEquals(1, open.getInputStream().read());
                proxy.shutdownGracefully();
                int r;
                try {
                    r = open.getInputStream().read();
                } catch (IOException reset) {
                    r = -1;
                }
                assertEquals(-1, r, "closed by the proxy");
            }
        }
    }
}
