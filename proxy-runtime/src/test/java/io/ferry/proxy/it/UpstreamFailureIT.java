package io.ferry.proxy.it;

import com.google.gson.JsonObject;
import io.ferry.proxy.config.HostConfig;
import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Upstreams that cannot be reached, connect attempts, and the circuit breaker. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamFailureIT {

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    private static JsonObject cluster(ProxyServer proxy, String name) {
        return proxy.stats().getAsJsonObject("clusters").getAsJsonObject(name);
    }

    /** Reads until EOF or reset; true if the proxy closed the connection without sending a byte. */
    private static boolean closedWithoutData(Socket s) {
        try {
            return s.getInputStream().read() == -1;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void unreachableUpstreamClosesTheDownstreamAndIsCounted() throws Exception {
        int dead = TestServers.deadPort();
        try (ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                .tcpProxyListener("l", 0, Duration.ofSeconds(90), "down")
                .cluster("down", LbType.LB_ROUNDROBIN, "127.0.0.1:" + dead)
                .build());
             Socket client = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            client.getOutputStream().write("anyone there?".getBytes(StandardCharsets.US_ASCII));
            assertTrue(closedWithoutData(client));
            ProxyFixture.await("the failure to be counted", Duration.ofSeconds(10),
                    () -> cluster(proxy, "down").get("connections_no_upstream").getAsLong() == 1);
            JsonObject c = cluster(proxy, "down");
            assertEquals(1, c.get("connect_failures").getAsLong(), "min(hosts, 3) = 1 attempt");
            assertEquals(0, c.get("connections_total").getAsLong());
        }
    }

    @Test
    void maxConnectAttemptsIsHonouredAcrossHosts() throws Exception {
        int dead1 = TestServers.deadPort();
        int dead2 = TestServers.deadPort();
        try (TestServers.Server live = TestServers.tcp(TestServers.ECHO)) {
            int i = 0;
            ListenerConfig three = new ListenerConfig(i, "three", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                    Duration.ofSeconds(90), List.of(TestConfigs.filter(i, 0, "tcp_proxy",
                    "{\"cluster\":\"c\",\"max_connect_attempts\":3}")));
            ListenerConfig one = new ListenerConfig(1, "one", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                    Duration.ofSeconds(90), List.of(TestConfigs.filter(1, 0, "tcp_proxy",
                    "{\"cluster\":\"c\",\"max_connect_attempts\":1}")));
            try (ProxyServer proxy = ProxyFixture.start(TestConfigs.create().listener(three).listener(one)
                    .cluster("c", LbType.LB_ROUNDROBIN, 0, List.of(new HostConfig("127.0.0.1:" + dead1, 1),
                            new HostConfig("127.0.0.1:" + dead2, 1), new HostConfig(live.hostAddress(), 1)))
                    .build())) {
                // Round robin starts at the first dead host: three attempts reach the live one.
                try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "three"))) {
                    s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("ping", new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
                }
                assertEquals(2, cluster(proxy, "c").get("connect_failures").getAsLong());
                // The next pick is the first dead host again, and one attempt is all this listener allows.
                try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "one"))) {
                    assertTrue(closedWithoutData(s));
                }
                ProxyFixture.await("the failure to be counted", Duration.ofSeconds(10),
                        () -> cluster(proxy, "c").get("connections_no_upstream").getAsLong() == 1);
                assertEquals(3, cluster(proxy, "c").get("connect_failures").getAsLong());
            }
        }
    }

    @Test
    void circuitBreakerRefusesConnectionsBeyondMaxConnections() throws Exception {
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("l", 0, Duration.ofSeconds(90), "c")
                     .cluster("c", LbType.LB_ROUNDROBIN, 1, List.of(new HostConfig(echo.hostAddress(), 1)))
                     .build());
             Socket first = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            first.getOutputStream().write('a');
            assertEquals('a', first.getInputStream().read());
            try (Socket second = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                assertTrue(closedWithoutData(second));
            }
            assertEquals(1, cluster(proxy, "c").get("circuit_breaker_overflow").getAsLong());
            first.getOutputStream().write('b');
            assertEquals('b', first.getInputStream().read(), "the first connection is unaffected");
        }
    }
}
