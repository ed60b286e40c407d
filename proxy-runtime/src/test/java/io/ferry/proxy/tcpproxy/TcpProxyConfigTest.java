package io.ferry.proxy.tcpproxy;

import com.google.gson.Gson;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.FilterEnvironment;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tcp_proxy's config: MOSN's keys (case-insensitive), route matching, and the errors where MOSN stays silent. */
class TcpProxyConfigTest {

    /** The runtime's cluster names, in config order ({@code FilterEnvironment.clusterNames()}). */
    private static final Set<String> clusters = new LinkedHashSet<>(List.of("a", "b"));

    private static FilterConfig config(String json) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = new Gson().fromJson(json, Map.class);
        return new FilterConfig() {
            @Override
            public String type() {
                return "tcp_proxy";
            }

            @Override
            public String path() {
                return "servers[0].listeners[0].filter_chains[0].filters[0].config";
            }

            @Override
            public Map<String, Object> asMap() {
                return map;
            }

            @Override
            public String json() {
                return json;
            }

            @Override
            public FilterEnvironment environment() {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static TcpProxyConfig parse(String json) throws FilterConfigException {
        return TcpProxyConfig.parse(config(json), clusters);
    }

    private static String error(String json) {
        return assertThrows(FilterConfigException.class, () -> parse(json)).getMessage();
    }

    private static final String P = "servers[0].listeners[0].filter_chains[0].filters[0].config";
    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.1.2.3", 40000);
    private static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 2045);

    @Test
    void clusterWinsOverRoutesAndKeysAreCaseInsensitive() throws Exception {
        TcpProxyConfig c = parse("{\"Cluster\":\"a\",\"STAT_PREFIX\":\"x\",\"routes\":[{\"cluster\":\"b\"}]}");
        assertEquals("a", c.select(CLIENT, LISTENER));
        assertEquals(0, c.maxConnectAttempts());
    }

    @Test
    void firstRouteMatchingAllFourCriteriaWins() throws Exception {
        TcpProxyConfig c = parse("{\"routes\":["
                + "{\"Cluster\":\"a\",\"SourceAddrs\":[{\"Address\":\"10.0.0.0\",\"Length\":8}],"
                + "\"DestinationAddrs\":[{\"Address\":\"127.0.0.1\",\"Length\":32}],"
                + "\"SourcePort\":\"1-1024\",\"DestinationPort\":\"2045\"},"
                + "{\"cluster\":\"b\",\"sourceaddrs\":[{\"address\":\"10.1.0.0\",\"length\":16}],"
                + "\"destinationaddrs\":[{\"address\":\"0.0.0.0\",\"length\":0}],"
                + "\"sourceport\":\"30000-50000\",\"destinationport\":\"80,2000-3000\"}]}");
        assertEquals("b", c.select(CLIENT, LISTENER), "the first route's SourcePort does not match");
        assertEquals("a", c.select(new InetSocketAddress("10.9.9.9", 999), LISTENER));
        assertNull(c.select(new InetSocketAddress("192.168.0.1", 40000), LISTENER), "no route matches");
        assertNull(c.select(UnixDomainSocketAddress.of("/tmp/x"), UnixDomainSocketAddress.of("/tmp/y")),
                "unix addresses never match, as in MOSN");
    }

    @Test
    void routeThatLeavesOutACriterionIsRefusedBecauseMosnNeverMatchesIt() {
        String m = error("{\"routes\":[{\"Cluster\":\"a\",\"SourceAddrs\":[{\"Address\":\"10.0.0.0\",\"Length\":8}],"
                + "\"DestinationAddrs\":[{\"Address\":\"127.0.0.1\",\"Length\":32}],\"DestinationPort\":\"2045\"}]}");
        assertTrue(m.startsWith(P + ".routes[0].SourcePort: missing (expected: ports or ranges such as "
                + "\"80,8000-8080\" (MOSN matches a route only when all four"), m);
    }

    @Test
    void errorsNameThePathTheValueAndWhatWasExpected() {
        assertEquals(P + ".cluster: \"nope\" (expected: the name of a cluster in cluster_manager.clusters [a, b])",
                error("{\"cluster\":\"nope\"}"));
        assertEquals(P + ".cluster: missing (expected: the name of a cluster in cluster_manager.clusters [a, b], "
                + "or a non-empty routes list)", error("{}"));
        assertEquals(P + ".max_connect_attempts: -1 (expected: an integer from 1 to 100, or 0 for min(hosts, 3))",
                error("{\"cluster\":\"a\",\"max_connect_attempts\":-1}"));
        assertEquals(P + ".cluster: 5 (expected: a cluster name (a string))", error("{\"cluster\":5}"));
        String route = "{\"routes\":[{\"Cluster\":\"a\",\"SourceAddrs\":[{\"Address\":\"10.0.0.0\",\"Length\":8}],"
                + "\"DestinationAddrs\":[{\"Address\":\"127.0.0.1\",\"Length\":33}],"
                + "\"SourcePort\":\"x-80\",\"DestinationPort\":\"2045\"}]}";
        assertEquals(P + ".routes[0].DestinationAddrs[0].Length: 33 (expected: a prefix length from 0 to 32)",
                error(route));
        assertEquals(P + ".routes[0].SourcePort: \"x-80\" (expected: comma-separated ports or ranges from 1 to "
                + "65535, e.g. \"80,8000-8080\")", error(route.replace("33", "32")));
        assertEquals(P + ".routes[0].SourceAddrs[0].Address: \"example.com\" (expected: an IPv4 or IPv6 address "
                + "literal)", error(route.replace("10.0.0.0", "example.com")));
    }

    @Test
    void maxConnectAttemptsIsKept() throws Exception {
        assertEquals(5, parse("{\"cluster\":\"a\",\"max_connect_attempts\":5}").maxConnectAttempts());
    }

    @Test
    void addressLiteralsAreParsedWithoutALookup() throws Exception {
        assertEquals(4, CidrRange.literal("10.0.0.1").length);
        assertEquals(16, CidrRange.literal("fd00::1").length);
        assertEquals(16, CidrRange.literal("[::1]").length);
        assertNull(CidrRange.literal("example.com"));
        assertNull(CidrRange.literal("256.1.1.1"));
        assertNull(CidrRange.literal("10.1"));
        assertNull(CidrRange.literal("bad:name"));
        CidrRange v6 = CidrRange.of("p", "fd00::", 8.0);
        assertTrue(v6.contains(java.net.InetAddress.getByName("fdab::7")));
        assertTrue(!v6.contains(java.net.InetAddress.getByName("fe80::7")));
        assertTrue(!v6.contains(java.net.InetAddress.getByName("10.0.0.1")));
    }
}
