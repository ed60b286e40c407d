package io.ferry.proxy.cluster;

import io.ferry.proxy.config.LbType;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each {@code lb_type} over many connections: a "connection" is a pick that opens a connection on the host's
 * counters (as {@code tcp_proxy} does) and may later close. Randomized runs print their seed.
 */
class LoadBalancerDistributionTest {

    private static Host host(String address, int weight) {
        return new Host(address, "c", weight, new InetSocketAddress("127.0.0.1", 1), null);
    }

    private static List<Host> hosts(int n) {
        List<Host> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(host("10.0.0." + (i + 1) + ":80", 1));
        }
        return l;
    }

    /** A connection's view for the balancer: its client address and its previous pick. */
    private static final class Conn implements LbContext {
        final SocketAddress remote;
        final SocketAddress originalDst;
        int last = -1;

        Conn(SocketAddress remote, SocketAddress originalDst) {
            this.remote = remote;
            this.originalDst = originalDst;
        }

        @Override
        public SocketAddress downstreamRemoteAddress() {
            return remote;
        }

        @Override
        public SocketAddress originalDestination() {
            return originalDst;
        }

        @Override
        public int lastHostIndex() {
            return last;
        }

        @Override
        public void lastHostIndex(int index) {
            last = index;
        }
    }

    private static long seed() {
        long seed = System.nanoTime();
        System.out.println("LoadBalancerDistributionTest seed: " + seed);
        return seed;
    }

    @Test
    void leastConnectionKeepsOpenConnectionsEvenWhileConnectionsComeAndGo() {
        for (LbType type : List.of(LbType.LB_LEAST_CONNECTION, LbType.LB_LEAST_REQUEST)) {
            List<Host> hosts = hosts(4);
            LoadBalancer lb = LoadBalancer.of(type, hosts);
            Random random = new Random(seed());
            List<Host> open = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                Host h = lb.choose();
                h.stats().opened();
                open.add(h);
                if (open.size() > 200) {
                    // a random open connection ends, often one of a long-lived host's
                    open.remove(random.nextInt(open.size())).stats().closed();
                }
            }
            long max = hosts.stream().mapToLong(Host::activeConnections).max().orElseThrow();
            long min = hosts.stream().mapToLong(Host::activeConnections).min().orElseThrow();
            assertTrue(max - min <= 12, type + ": open connections per host " + hosts.stream()
                    .map(Host::activeConnections).toList());
        }
    }

    @Test
    void leastConnectionChoosesAmongChoiceCountCandidates() {
        List<Host> hosts = hosts(4);
        Host busy = hosts.get(0);
        for (int i = 0; i < 1000; i++) {
            busy.stats().opened();
        }
        // two random candidates: the busy host wins only when both draws are it, 1/16 of picks
        LoadBalancer two = LoadBalancer.of(LbType.LB_LEAST_CONNECTION, hosts);
        int busyPicks = 0;
        for (int i = 0; i < 16_000; i++) {
            if (two.choose() == busy) {
                busyPicks++;
            }
        }
        assertTrue(busyPicks > 600 && busyPicks < 1400, "1/16 of 16000 expected, got " + busyPicks);
        // choice_count 8: the busy host is practically never chosen
        LoadBalancer eight = LoadBalancer.of(LbType.LB_LEAST_CONNECTION, hosts,
                new LoadBalancer.Options(8, 1.0, 10e9, false, "c"));
        int busyPicks8 = 0;
        for (int i = 0; i < 16_000; i++) {
            if (eight.choose() == busy) {
                busyPicks8++;
            }
        }
        assertTrue(busyPicks8 < 50, "(1/4)^8 of picks expected, got " + busyPicks8);
    }

    @Test
    void weightedLeastConnectionOpensConnectionsInProportionToWeights() {
        List<Host> hosts = List.of(host("a:1", 1), host("b:1", 2), host("c:1", 5));
        LoadBalancer lb = LoadBalancer.of(LbType.LB_LEAST_CONNECTION, hosts);
        for (int i = 0; i < 8000; i++) {
            lb.choose().stats().opened();
        }
        // earliest deadline first with the effective weight weight / (active + 1), as MOSN's (and Envoy's): the k-th
        // connection to a host moves its deadline by k / weight, so with connections that never close the open
        // counts grow as sqrt(weight): 1 : 1.41 : 2.24 of 8000
        double unit = 8000 / (1 + Math.sqrt(2) + Math.sqrt(5));
        assertEquals(unit, hosts.get(0).activeConnections(), 40);
        assertEquals(unit * Math.sqrt(2), hosts.get(1).activeConnections(), 40);
        assertEquals(unit * Math.sqrt(5), hosts.get(2).activeConnections(), 40);
        hosts.get(2).healthy(false);
        for (int i = 0; i < 300; i++) {
            assertTrue(lb.choose() != hosts.get(2), "an unhealthy host is skipped");
        }
    }

    @Test
    void peakEwmaSendsConnectionsToTheHostsThatConnectFastest() {
        List<Host> hosts = hosts(3);
        long now = System.nanoTime();
        hosts.get(0).recordConnectLatency(1_000_000, now);     // 1 ms
        hosts.get(1).recordConnectLatency(10_000_000, now);    // 10 ms
        hosts.get(2).recordConnectLatency(100_000_000, now);   // 100 ms
        // choice_count 3 >= hosts: every host is compared; score = latency * (open + 1), so open connections
        // settle inversely to latency, 100 : 10 : 1
        LoadBalancer all = LoadBalancer.of(LbType.LB_PEAK_EWMA, hosts, new LoadBalancer.Options(3, 1.0, 10e9, false,
                "c"));
        Map<Host, Integer> picks = new HashMap<>();
        for (int i = 0; i < 3330; i++) {
            Host h = all.choose();
            h.stats().opened();
            picks.merge(h, 1, Integer::sum);
        }
        assertEquals(3000, picks.get(hosts.get(0)), 15);
        assertEquals(300, picks.get(hosts.get(1)), 15);
        assertEquals(30, picks.get(hosts.get(2)), 15);
        // the default two random candidates: the slowest host wins only when drawn twice (1/9 of picks)
        hosts.forEach(h -> {
            while (h.activeConnections() > 0) {
                h.stats().closed();
            }
        });
        LoadBalancer two = LoadBalancer.of(LbType.LB_PEAK_EWMA, hosts);
        Map<Host, Integer> twoPicks = new HashMap<>();
        for (int i = 0; i < 9000; i++) {
            twoPicks.merge(two.choose(), 1, Integer::sum);
        }
        int slow = twoPicks.getOrDefault(hosts.get(2), 0);
        assertTrue(slow > 700 && slow < 1300, "1/9 of 9000 expected, got " + slow);
        assertTrue(twoPicks.get(hosts.get(0)) > twoPicks.get(hosts.get(1)), twoPicks.values().toString());

        // a slower connect raises the average at once (the "peak"), faster ones lower it gradually
        Host h = host("x:1", 1);
        h.recordConnectLatency(1_000_000, now);
        h.recordConnectLatency(50_000_000, now + 1);
        assertEquals(50_000_000, h.connectLatencyEwma(), 1);
        h.recordConnectLatency(1_000_000, now + 10_000_000_000L);
        double decayed = h.connectLatencyEwma();
        assertTrue(decayed < 50_000_000 && decayed > 1_000_000, "decays with a 10 s time constant: " + decayed);
    }

    @Test
    void peakEwmaWithoutMeasurementsUsesTheClusterAverageThenTheDefault() {
        List<Host> hosts = hosts(2);
        LoadBalancer.PeakEwmaLb lb = (LoadBalancer.PeakEwmaLb) LoadBalancer.of(LbType.LB_PEAK_EWMA, hosts,
                new LoadBalancer.Options(2, 1.0, 7e9, false, "c"));
        assertEquals(7e9, lb.score(hosts.get(0)));
        hosts.get(1).recordConnectLatency(2_000_000, System.nanoTime());
        assertEquals(2e6, lb.score(hosts.get(0)), 1, "the cluster's average stands in for an unmeasured host");
    }

    @Test
    void maglevHashesTheClientIpSoEachClientKeepsItsHostAndClientsSpreadEvenly() throws Exception {
        List<Host> hosts = hosts(4);
        LoadBalancer lb = LoadBalancer.of(LbType.LB_MAGLEV, hosts);
        Map<Host, Integer> perHost = new HashMap<>();
        Map<String, Host> first = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            String ip = "192.168." + (i / 250) + "." + (i % 250 + 1);
            Host h = lb.choose(new Conn(new InetSocketAddress(ip, 40000 + i % 1000), null));
            first.put(ip, h);
            perHost.merge(h, 1, Integer::sum);
            // another connection of the same client, from another port, lands on the same host
            assertSame(h, lb.choose(new Conn(new InetSocketAddress(ip, 50000), null)));
        }
        for (Host h : hosts) {
            assertEquals(1000, perHost.get(h), 150, "clients per host " + perHost.values());
        }
        // a host that goes unhealthy loses only its own clients; every other client keeps its host
        Host down = hosts.get(2);
        down.healthy(false);
        int moved = 0;
        for (Map.Entry<String, Host> e : first.entrySet()) {
            Host now = lb.choose(new Conn(new InetSocketAddress(e.getKey(), 1), null));
            if (e.getValue() == down) {
                assertTrue(now != down);
                moved++;
            } else {
                assertSame(e.getValue(), now, e.getKey());
            }
        }
        assertEquals(perHost.get(down), moved);
        // a retry of the same connection moves on from the host that failed
        down.healthy(true);
        Conn retry = new Conn(new InetSocketAddress("192.168.0.1", 1), null);
        Host firstTry = lb.choose(retry);
        Host secondTry = lb.choose(retry);
        assertTrue(firstTry != secondTry);
    }

    @Test
    void maglevTableIsMosnsSipHashOfTheHostAddress() {
        // SipHash-2-4 reference vector (key 00..0f, message 00..0e)
        byte[] msg = new byte[15];
        for (int i = 0; i < msg.length; i++) {
            msg[i] = (byte) i;
        }
        assertEquals(0xa129ca6149be45e5L, SipHash.hash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L, msg));
        // the IPv4 address as a number, the last four bytes of an IPv6 one (MOSN's source_ip hash)
        assertEquals(0xc0a80001L, LoadBalancer.MaglevLb.sourceIpHash(new InetSocketAddress("192.168.0.1", 1)));
        assertEquals(0x0a000005L, LoadBalancer.MaglevLb.sourceIpHash(new InetSocketAddress("2001:db8::a00:5", 1)));
        // every table slot is filled, each host gets M/n of them (maglev's near-perfect balance)
        int[] table = LoadBalancer.MaglevLb.populate(hosts(3).toArray(new Host[0]));
        int[] counts = new int[3];
        for (int e : table) {
            counts[e]++;
        }
        for (int c : counts) {
            assertEquals(LoadBalancer.MaglevLb.M / 3.0, c, 2);
        }
        assertTrue("10.0.0.1:80".getBytes(StandardCharsets.UTF_8).length > 0);
    }

    @Test
    void requestRoundRobinStartsEveryConnectionAtTheFirstHostAndMovesOnOnlyOnRetry() {
        List<Host> hosts = hosts(3);
        LoadBalancer lb = LoadBalancer.of(LbType.LB_REQUEST_ROUNDROBIN, hosts);
        for (int i = 0; i < 1000; i++) {
            Conn c = new Conn(null, null);
            assertSame(hosts.get(0), lb.choose(c), "every new connection goes to the first host, as in MOSN");
            assertSame(hosts.get(1), lb.choose(c), "its retry goes to the next");
            assertSame(hosts.get(2), lb.choose(c));
        }
        hosts.get(0).healthy(false);
        assertSame(hosts.get(1), lb.choose(new Conn(null, null)), "the first healthy host takes over");
        hosts.forEach(h -> h.healthy(false));
        assertNull(lb.choose(new Conn(null, null)));
    }

    @Test
    void roundRobinRandomAndWeightedSkipUnhealthyHosts() {
        for (LbType type : List.of(LbType.LB_ROUNDROBIN, LbType.LB_RANDOM, LbType.LB_WEIGHTED_ROUNDROBIN)) {
            List<Host> hosts = List.of(host("a:1", 1), host("b:1", 3), host("c:1", 1));
            LoadBalancer lb = LoadBalancer.of(type, hosts);
            hosts.get(1).healthy(false);
            Map<Host, Integer> picks = new HashMap<>();
            for (int i = 0; i < 2000; i++) {
                picks.merge(lb.choose(), 1, Integer::sum);
            }
            assertEquals(null, picks.get(hosts.get(1)), type.toString());
            assertEquals(1000, picks.get(hosts.get(0)), 150, type + " " + picks.values());
            hosts.forEach(h -> h.healthy(false));
            if (type != LbType.LB_RANDOM) {
                assertNull(lb.choose(), type + " with every host unhealthy");
            }
        }
    }

    @Test
    void originalDstConnectsToTheConnectionsOriginalDestination() {
        LoadBalancer lb = LoadBalancer.of(LbType.LB_ORIGINAL_DST, List.of());
        Host h = lb.choose(new Conn(null, new InetSocketAddress("198.51.100.7", 8080)));
        assertEquals("198.51.100.7:8080", h.address());
        assertEquals(new InetSocketAddress("198.51.100.7", 8080), h.inetAddress());
        Host v6 = lb.choose(new Conn(null, new InetSocketAddress("2001:db8::7", 443)));
        assertEquals("[2001:db8:0:0:0:0:0:7]:443", v6.address());
        assertNull(lb.choose(new Conn(null, null)), "no original destination, no host");
        LoadBalancer local = LoadBalancer.of(LbType.LB_ORIGINAL_DST, List.of(),
                new LoadBalancer.Options(2, 1, 10e9, true, "c"));
        assertEquals("127.0.0.1:8080", local.choose(new Conn(null, new InetSocketAddress("198.51.100.7", 8080)))
                .address(), "replace_local");
    }
}
