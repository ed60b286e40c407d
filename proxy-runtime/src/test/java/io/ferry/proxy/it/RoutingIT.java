package io.ferry.proxy.it;

import io.ferry.proxy.config.HostConfig;
import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Host choice through real connections: load balancers and tcp_proxy routes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RoutingIT {

    private final List<TestServers.Server> servers = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (TestServers.Server s : servers) {
            s.close();
        }
        LeakTracker.assertNoLeaks();
    }

    /** A server that names itself in one line, then echoes (the name shows which host a connection reached). */
    private TestServers.Server named(String name) throws IOException {
        TestServers.Server s = TestServers.tcp((in, out, shutdownOutput) -> {
            out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            TestServers.ECHO.serve(in, out, shutdownOutput);
        });
        servers.add(s);
        return s;
    }

    private static String whoAnswers(InetSocketAddress proxy) throws IOException {
        try (Socket s = TestServers.connect(proxy)) {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = s.getInputStream().read()) != '\n') {
                if (c < 0) {
                    return "closed";
                }
                sb.append((char) c);
            }
            return sb.toString();
        }
    }

    private static Map<String, Integer> distribution(InetSocketAddress proxy, int connections) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < connections; i++) {
            counts.merge(whoAnswers(proxy), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinAndWeightedRoundRobinDistributeConnections() throws Exception {
        String a = named("a").hostAddress();
        String b = named("b").hostAddress();
        String c = named("c").hostAddress();
        try (ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                .tcpProxyListener("rr", 0, Duration.ofSeconds(90), "rr")
                .tcpProxyListener("wrr", 0, Duration.ofSeconds(90), "wrr")
                .cluster("rr", LbType.LB_ROUNDROBIN, a, b, c)
                .cluster("wrr", LbType.LB_WEIGHTED_ROUNDROBIN, 0,
                        List.of(new HostConfig(a, 3), new HostConfig(b, 1), new HostConfig(c, 2)))
                .build())) {
            assertEquals(Map.of("a", 4, "b", 4, "c", 4), distribution(ProxyFixture.tcpAddress(proxy, "rr"), 12));
            assertEquals(Map.of("a", 6, "b", 2, "c", 4), distribution(ProxyFixture.tcpAddress(proxy, "wrr"), 12));
        }
    }

    @Test
    void routesPickTheClusterOfTheFirstMatchingRoute() throws Exception {
        String a = named("a").hostAddress();
        String b = named("b").hostAddress();
        String routes = "{\"routes\":["
                // Never matches a loopback client: its source port range is 1-1.
                + "{\"Cluster\":\"a\",\"SourceAddrs\":[{\"Address\":\"127.0.0.1\",\"Length\":32}],"
                + "\"DestinationAddrs\":[{\"Address\":\"127.0.0.1\",\"Length\":32}],"
                + "\"SourcePort\":\"1-1\",\"DestinationPort\":\"1-65535\"},"
                + "{\"cluster\":\"b\",\"sourceaddrs\":[{\"address\":\"127.0.0.0\",\"length\":8}],"
                + "\"destinationaddrs\":[{\"address\":\"127.0.0.1\",\"length\":32}],"
                + "\"sourceport\":\"1-65535\",\"destinationport\":\"1-65535\"}]}";
        String noMatch = routes.replace("\"sourceaddrs\":[{\"address\":\"127.0.0.0\"",
                "\"sourceaddrs\":[{\"address\":\"10.0.0.0\"");
        try (ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                .listener(new ListenerConfig(0, "routed", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                        Duration.ofSeconds(90), List.of(TestConfigs.filter(0, 0, "tcp_proxy", routes))))
                .listener(new ListenerConfig(1, "unrouted", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                        Duration.ofSeconds(90), List.of(TestConfigs.filter(1, 0, "tcp_proxy", noMatch))))
                .cluster("a", LbType.LB_ROUNDROBIN, a)
                .cluster("b", LbType.LB_ROUNDROBIN, b)
                .build())) {
            assertEquals(Map.of("b", 3), distribution(ProxyFixture.tcpAddress(proxy, "routed"), 3));
            assertEquals("closed", whoAnswers(ProxyFixture.tcpAddress(proxy, "unrouted")),
                    "no route: the connection is closed");
        }
    }
}
