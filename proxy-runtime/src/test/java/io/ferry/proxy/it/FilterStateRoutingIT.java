package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcp_proxy honours the {@code UpstreamRoute} an earlier filter leaves in the connection's filter state: the cluster
 * it names, its explicit host, its hash key (LB_MAGLEV). Upstreams greet with their name, so the test sees where each
 * connection went.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FilterStateRoutingIT {

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    private static ListenerConfig listener(int index, String name, String routeConfig, String tcpProxyConfig) {
        return new ListenerConfig(index, name, "tcp", "127.0.0.1:0", "127.0.0.1", 0, true, Duration.ofSeconds(90),
                List.of(TestConfigs.filter(index, 0, "test.route", routeConfig),
                        TestConfigs.filter(index, 1, "tcp_proxy", tcpProxyConfig)));
    }

    /** Connects, reads the upstream's greeting line, checks the echo, closes. */
    private static String upstreamOf(InetSocketAddress address) throws IOException {
        try (Socket s = TestServers.connect(address)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String name = in.readLine();
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", in.readLine());
            return name;
        }
    }

    @Test
    void theRoutesClusterReplacesTheConfiguredOne() throws Exception {
        try (TestServers.Server a = TestServers.tcp(TestServers.greeting("a"));
             TestServers.Server b = TestServers.tcp(TestServers.greeting("b"));
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .listener(listener(0, "l", "{\"cluster\":\"cb\"}", "{\"cluster\":\"ca\"}"))
                     .cluster("ca", LbType.LB_ROUNDROBIN, a.hostAddress())
                     .cluster("cb", LbType.LB_ROUNDROBIN, b.hostAddress())
                     .build())) {
            for (int i = 0; i < 3; i++) {
                assertEquals("b", upstreamOf(ProxyFixture.tcpAddress(proxy, "l")));
            }
            assertEquals(0, a.accepted.get());
            assertEquals(3, proxy.stats().getAsJsonObject("clusters").getAsJsonObject("cb")
                    .get("connections_total").getAsLong(), "the chosen cluster's counters");
        }
    }

    @Test
    void anExplicitHostPicksThatHostOfTheConfiguredCluster() throws Exception {
        try (TestServers.Server a = TestServers.tcp(TestServers.greeting("a"));
             TestServers.Server b = TestServers.tcp(TestServers.greeting("b"));
             TestServers.Server c = TestServers.tcp(TestServers.greeting("c"))) {
            try (ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                    .listener(listener(0, "l", "{\"host\":\"" + b.hostAddress() + "\"}", "{\"cluster\":\"abc\"}"))
                    .cluster("abc", LbType.LB_ROUNDROBIN, a.hostAddress(), b.hostAddress(), c.hostAddress())
                    .build())) {
                for (int i = 0; i < 6; i++) {
                    assertEquals("b", upstreamOf(ProxyFixture.tcpAddress(proxy, "l")), "round robin would rotate");
                }
            }
        }
    }

    @Test
    void aHashKeyKeepsItsMaglevHostAndDifferentKeysSpread() throws Exception {
        try (TestServers.Server a = TestServers.tcp(TestServers.greeting("a"));
             TestServers.Server b = TestServers.tcp(TestServers.greeting("b"));
             TestServers.Server c = TestServers.tcp(TestServers.greeting("c"));
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .listener(listener(0, "fixed", "{\"hash\": 7}", "{\"cluster\":\"m\"}"))
                     .listener(listener(1, "by_port", "{\"hash\": \"port\"}", "{\"cluster\":\"m\"}"))
                     .cluster("m", LbType.LB_MAGLEV, a.hostAddress(), b.hostAddress(), c.hostAddress())
                     .build())) {
            Set<String> fixed = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                fixed.add(upstreamOf(ProxyFixture.tcpAddress(proxy, "fixed")));
            }
            assertEquals(1, fixed.size(), "one key, one host: " + fixed);
            Set<String> spread = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                spread.add(upstreamOf(ProxyFixture.tcpAddress(proxy, "by_port")));
            }
            assertTrue(spread.size() >= 2, "30 client ports as keys over 3 hosts: " + spread);
        }
    }

    @Test
    void aRouteToAClusterThatDoesNotExistClosesTheConnection() throws Exception {
        try (TestServers.Server a = TestServers.tcp(TestServers.greeting("a"));
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .listener(listener(0, "l", "{\"cluster\":\"nope\"}", "{\"cluster\":\"ca\"}"))
                     .cluster("ca", LbType.LB_ROUNDROBIN, a.hostAddress())
                     .build());
             Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            int r;
            try {
                r = s.getInputStream().read();
            } catch (IOException reset) {
                r = -1;
            }
            assertEquals(-1, r, "closed without a byte");
            assertEquals(0, a.accepted.get());
        }
    }
}
