package io.ferry.proxy.cluster;

import io.ferry.proxy.config.LbType;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadBalancerTest {

    private static Host host(String name, int weight) {
        return new Host(name, "c", weight, new InetSocketAddress("127.0.0.1", 1), null);
    }

    private static Map<String, Integer> picks(LoadBalancer lb, int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(lb.choose().address(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinTakesHostsInTurn() {
        List<Host> hosts = List.of(host("a", 1), host("b", 1), host("c", 1));
        LoadBalancer lb = LoadBalancer.of(LbType.LB_ROUNDROBIN, hosts);
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            order.append(lb.choose().address());
        }
        assertEquals("abcabca", order.toString());
    }

    @Test
    void roundRobinIgnoresWeights() {
        LoadBalancer lb = LoadBalancer.of(LbType.LB_ROUNDROBIN, List.of(host("a", 1), host("b", 5)));
        assertEquals(Map.of("a", 50, "b", 50), picks(lb, 100));
    }

    @Test
    void weightedRoundRobinPicksInProportionToWeightAndSpreadsThePicks() {
        LoadBalancer lb = LoadBalancer.of(LbType.LB_WEIGHTED_ROUNDROBIN,
                List.of(host("a", 5), host("b", 1), host("c", 1)));
        assertEquals(Map.of("a", 500, "b", 100, "c", 100), picks(lb, 700));
        // Smooth (nginx) order: the heavy host is interleaved, never five times in a row.
        StringBuilder cycle = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            cycle.append(lb.choose().address());
        }
        assertEquals("aabacaa", cycle.toString());
    }

    @Test
    void randomReachesEveryHost() {
        LoadBalancer lb = LoadBalancer.of(LbType.LB_RANDOM, List.of(host("a", 1), host("b", 1), host("c", 1)));
        Map<String, Integer> counts = picks(lb, 3000);
        assertEquals(3, counts.size());
        counts.values().forEach(n -> assertTrue(n > 700, "roughly uniform: " + counts));
    }

    @Test
    void emptyClusterHasNoHost() {
        assertNull(LoadBalancer.of(LbType.LB_ROUNDROBIN, List.of()).choose());
        assertNull(LoadBalancer.of(LbType.LB_RANDOM, List.of()).choose());
    }
}
