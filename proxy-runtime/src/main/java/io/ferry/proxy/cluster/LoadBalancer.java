package io.ferry.proxy.cluster;

import io.ferry.proxy.config.LbType;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Picks the host for a new upstream connection. MOSN: {@code types.LoadBalancer.ChooseHost}
 * (pkg/upstream/cluster/loadbalancer.go, lb_leastconnection.go, original_dst.go).
 *
 * <h2>The balancers, for L4 connections</h2>
 * <table>
 *   <caption>lb_type</caption>
 *   <tr><th>{@code lb_type}</th><th>pick</th></tr>
 *   <tr><td>{@code LB_RANDOM}</td><td>a uniformly random host; if it is unhealthy, round robin</td></tr>
 *   <tr><td>{@code LB_ROUNDROBIN}</td><td>hosts in turn, skipping unhealthy ones</td></tr>
 *   <tr><td>{@code LB_WEIGHTED_ROUNDROBIN}</td><td>smooth weighted round robin; unweighted round robin when the
 *       schedule meets only unhealthy hosts</td></tr>
 *   <tr><td>{@code LB_LEAST_CONNECTION}, {@code LB_LEAST_REQUEST}</td><td>equal weights: {@code choice_count}
 *       (default 2) random healthy hosts, the one with the fewest open connections wins (MOSN's "power of two
 *       choices"); different weights: earliest deadline first with the effective weight
 *       {@code weight / (active + 1) ^ active_request_bias}. For TCP a request is a connection, so least request
 *       counts open connections too</td></tr>
 *   <tr><td>{@code LB_PEAK_EWMA}</td><td>the lowest score {@code connect latency EWMA * (active + 1) ^ bias}
 *       among all healthy hosts (at most {@code choice_count} hosts) or among {@code choice_count} random healthy
 *       ones; a host without a measured connect yet scores with the cluster's average, or with
 *       {@code connect_timeout + idle_timeout} (10 s if both are 0); different weights: earliest deadline first with
 *       {@code weight / score}</td></tr>
 *   <tr><td>{@code LB_MAGLEV}</td><td>MOSN's maglev table (65537 entries, hosts hashed by address with SipHash) looked
 *       up with the client's IP (MOSN's default {@code source_ip} hash: the IPv4 address as a number, the last four
 *       bytes of an IPv6 one), so a client keeps its host while the host set stays; an unhealthy host, or a retry,
 *       moves to the next healthy host of the list</td></tr>
 *   <tr><td>{@code LB_REQUEST_ROUNDROBIN}</td><td>as in MOSN, each connection starts at the first host of the list
 *       and a retry moves to the next one: the first healthy host takes every connection, the others are its
 *       fail-over</td></tr>
 *   <tr><td>{@code LB_ORIGINAL_DST}</td><td>the connection's original destination (127.0.0.1 and its port with
 *       {@code replace_local}); none without one</td></tr>
 * </table>
 *
 * <p>Thread-safe and lock-free: called from every event loop at once. The earliest-deadline-first schedule keeps one
 * atomic deadline per host and advances it with a compare-and-set. A pick allocates nothing, except for
 * {@code LB_ORIGINAL_DST}, whose host exists only for its connection.
 */
public interface LoadBalancer {

    /** The host for a connection described by {@code context}, or {@code null} when there is none to use. */
    Host choose(LbContext context);

    /** {@link #choose(LbContext)} for no particular connection. */
    default Host choose() {
        return choose(LbContext.NONE);
    }

    /** Settings the balancers read: {@code lbconfig} and what {@code LB_PEAK_EWMA} falls back on. */
    record Options(int choiceCount, double activeRequestBias, double defaultLatencyNanos, boolean replaceLocal,
                   String clusterName) {
        /** MOSN's defaults: two choices, bias 1, 10 s. */
        public static final Options DEFAULTS = new Options(2, 1.0, 10e9, false, "");
    }

    /** The balancer for {@code type} over {@code hosts} (which must not change afterwards). */
    static LoadBalancer of(LbType type, List<Host> hosts) {
        return of(type, hosts, Options.DEFAULTS);
    }

    /** The balancer for {@code type} over {@code hosts} (which must not change afterwards). */
    static LoadBalancer of(LbType type, List<Host> hosts, Options options) {
        if (type == LbType.LB_ORIGINAL_DST) {
            return new OriginalDstLb(options);
        }
        if (hosts.isEmpty()) {
            return context -> null;
        }
        Host[] h = hosts.toArray(new Host[0]);
        return switch (type) {
            case LB_RANDOM -> new RandomLb(h);
            case LB_ROUNDROBIN -> new RoundRobinLb(h);
            case LB_WEIGHTED_ROUNDROBIN -> new WeightedRoundRobinLb(h);
            case LB_LEAST_CONNECTION, LB_LEAST_REQUEST -> new LeastConnectionLb(h, options);
            case LB_PEAK_EWMA -> new PeakEwmaLb(h, options);
            case LB_MAGLEV -> new MaglevLb(h);
            case LB_REQUEST_ROUNDROBIN -> new RequestRoundRobinLb(h);
            case LB_ORIGINAL_DST -> throw new AssertionError();
        };
    }

    /** True when all hosts have the same weight (the balancers then skip the weighted schedule, as MOSN does). */
    private static boolean equalWeights(Host[] hosts) {
        for (Host h : hosts) {
            if (h.weight() != hosts[0].weight()) {
                return false;
            }
        }
        return true;
    }

    /** The first healthy host at or after {@code from} (wrapping), or -1. */
    private static int nextHealthy(Host[] hosts, int from) {
        for (int i = 0; i < hosts.length; i++) {
            int index = (from + i) % hosts.length;
            if (hosts[index].isHealthy()) {
                return index;
            }
        }
        return -1;
    }

    /** MOSN's {@code LB_RANDOM}: a uniformly random host; round robin when it is unhealthy. */
    final class RandomLb implements LoadBalancer {
        private final Host[] hosts;
        private final RoundRobinLb fallback;

        RandomLb(Host[] hosts) {
            this.hosts = hosts;
            this.fallback = new RoundRobinLb(hosts);
        }

        @Override
        public Host choose(LbContext context) {
            Host h = hosts[ThreadLocalRandom.current().nextInt(hosts.length)];
            return h.isHealthy() ? h : fallback.choose(context);
        }
    }

    /** MOSN's {@code LB_ROUNDROBIN}: hosts in turn, unhealthy ones skipped; none when every host is unhealthy. */
    final class RoundRobinLb implements LoadBalancer {
        private final Host[] hosts;
        private final AtomicInteger next = new AtomicInteger();

        RoundRobinLb(Host[] hosts) {
            this.hosts = hosts;
        }

        @Override
        public Host choose(LbContext context) {
            for (int i = 0; i < hosts.length; i++) {
                Host h = hosts[Math.floorMod(next.getAndIncrement(), hosts.length)];
                if (h.isHealthy()) {
                    return h;
                }
            }
            return null;
        }
    }

    /**
     * {@code LB_WEIGHTED_ROUNDROBIN}: the smooth weighted round-robin order (as nginx's): over one cycle of
     * {@code sum(weights)} picks, each host is chosen {@code weight} times and picks of a heavy host are spread out.
     * Computed once, so that a pick is one atomic increment. When a cycle's worth of picks meets only unhealthy
     * hosts, unweighted round robin decides, as MOSN's EDF balancer falls back.
     */
    final class WeightedRoundRobinLb implements LoadBalancer {
        private final Host[] schedule;
        private final AtomicInteger next = new AtomicInteger();
        private final RoundRobinLb fallback;

        WeightedRoundRobinLb(Host[] hosts) {
            this.schedule = WeightedSchedule.of(List.of(hosts)).toArray(new Host[0]);
            this.fallback = new RoundRobinLb(hosts);
        }

        @Override
        public Host choose(LbContext context) {
            for (int i = 0; i < schedule.length; i++) {
                Host h = schedule[Math.floorMod(next.getAndIncrement(), schedule.length)];
                if (h.isHealthy()) {
                    return h;
                }
            }
            return fallback.choose(context);
        }
    }

    /**
     * Earliest deadline first over hosts whose effective weight changes between picks, lock-free: each host has a
     * deadline; a pick takes the host with the earliest one and moves it on by {@code 1 / weight} with a
     * compare-and-set, retrying if another thread moved it first. An unhealthy host at the front is moved on too (it
     * keeps its place in the schedule, as in MOSN's heap); after as many such skips as there are hosts the caller's
     * fallback decides.
     */
    abstract class EdfLb implements LoadBalancer {
        final Host[] hosts;
        private final AtomicLongArray deadlines;

        EdfLb(Host[] hosts) {
            this.hosts = hosts;
            this.deadlines = new AtomicLongArray(hosts.length);
            for (int i = 0; i < hosts.length; i++) {
                deadlines.set(i, Double.doubleToRawLongBits(1.0 / Math.max(1, hosts[i].weight())));
            }
        }

        /**
         * MOSN starts the schedule at a random place, so that many proxies do not all begin with one host. Called
         * by subclasses at the end of their constructor (it uses {@link #weight}).
         */
        final void randomizeStart() {
            int skip = ThreadLocalRandom.current().nextInt(hosts.length);
            for (int i = 0; i < skip; i++) {
                edfPick(true);
            }
        }

        /** The effective weight of {@code host} now; > 0. */
        abstract double weight(Host host);

        /** The unweighted pick, used when the weights are equal or the schedule finds no healthy host. */
        abstract Host unweighted(LbContext context);

        /** The next host of the schedule, or null after {@code hosts.length} unhealthy ones. */
        final Host edfPick(boolean anyHealth) {
            int skips = 0;
            for (; ; ) {
                int best = -1;
                double bestDeadline = Double.POSITIVE_INFINITY;
                for (int i = 0; i < hosts.length; i++) {
                    double d = Double.longBitsToDouble(deadlines.get(i));
                    if (d < bestDeadline) {
                        bestDeadline = d;
                        best = i;
                    }
                }
                Host h = hosts[best];
                long expected = Double.doubleToRawLongBits(bestDeadline);
                long moved = Double.doubleToRawLongBits(bestDeadline + 1.0 / weight(h));
                if (!deadlines.compareAndSet(best, expected, moved)) {
                    continue;
                }
                if (anyHealth || h.isHealthy()) {
                    return h;
                }
                if (++skips >= hosts.length) {
                    return null;
                }
            }
        }
    }

    /**
     * MOSN's {@code LB_LEAST_CONNECTION} (and, for TCP, {@code LB_LEAST_REQUEST}): the fewest open connections among
     * {@code choice_count} random healthy hosts, or earliest deadline first with
     * {@code weight / (active + 1) ^ bias} when weights differ.
     */
    final class LeastConnectionLb extends EdfLb {
        private final int choice;
        private final double bias;
        private final boolean weighted;

        LeastConnectionLb(Host[] hosts, Options options) {
            super(hosts);
            this.choice = Math.max(1, options.choiceCount());
            this.bias = options.activeRequestBias();
            this.weighted = !equalWeights(hosts);
            randomizeStart();
        }

        @Override
        double weight(Host host) {
            double active = host.activeConnections() + 1;
            return Math.max(1, host.weight()) / (bias == 1.0 ? active : Math.pow(active, bias));
        }

        @Override
        public Host choose(LbContext context) {
            if (hosts.length == 1) {
                return hosts[0].isHealthy() ? hosts[0] : null;
            }
            if (weighted) {
                Host h = edfPick(false);
                if (h != null) {
                    return h;
                }
            }
            return unweighted(context);
        }

        @Override
        Host unweighted(LbContext context) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            Host candidate = null;
            for (int i = 0; i < choice; i++) {
                int index = nextHealthy(hosts, random.nextInt(hosts.length));
                if (index < 0) {
                    return null;
                }
                Host h = hosts[index];
                if (candidate == null || candidate.activeConnections() > h.activeConnections()) {
                    candidate = h;
                }
            }
            return candidate;
        }
    }

    /**
     * MOSN's {@code LB_PEAK_EWMA}, on the connect latency: the lowest {@code latency * (active + 1) ^ bias} among
     * every healthy host (from a random start) when there are at most {@code choice_count} hosts, else among
     * {@code choice_count} random healthy ones; earliest deadline first with {@code weight / score} when weights
     * differ.
     */
    final class PeakEwmaLb extends EdfLb {
        private final int choice;
        private final double bias;
        private final double defaultLatency;
        private final boolean weighted;
        private final RoundRobinLb fallback;

        PeakEwmaLb(Host[] hosts, Options options) {
            super(hosts);
            this.choice = Math.max(1, options.choiceCount());
            this.bias = options.activeRequestBias();
            this.defaultLatency = options.defaultLatencyNanos() > 0 ? options.defaultLatencyNanos() : 10e9;
            this.weighted = !equalWeights(hosts);
            this.fallback = new RoundRobinLb(hosts);
            randomizeStart();
        }

        /** The score: lower is better. */
        double score(Host h) {
            double latency = h.connectLatencyEwma();
            if (latency == 0) {
                latency = clusterLatency();
            }
            double active = h.activeConnections() + 1;
            return latency * (bias == 1.0 ? active : Math.pow(active, bias));
        }

        /** The mean of the measured hosts' averages (MOSN's cluster-wide EWMA), or the default. */
        private double clusterLatency() {
            double sum = 0;
            int n = 0;
            for (Host h : hosts) {
                double l = h.connectLatencyEwma();
                if (l > 0) {
                    sum += l;
                    n++;
                }
            }
            return n == 0 ? defaultLatency : sum / n;
        }

        @Override
        double weight(Host host) {
            return Math.max(1, host.weight()) / score(host);
        }

        @Override
        public Host choose(LbContext context) {
            if (hosts.length == 1) {
                return hosts[0].isHealthy() ? hosts[0] : null;
            }
            if (weighted) {
                Host h = edfPick(false);
                if (h != null) {
                    return h;
                }
            }
            return unweighted(context);
        }

        @Override
        Host unweighted(LbContext context) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            Host candidate = null;
            double best = Double.POSITIVE_INFINITY;
            if (hosts.length <= choice) {
                int start = random.nextInt(hosts.length);
                for (int i = 0; i < hosts.length; i++) {
                    Host h = hosts[(start + i) % hosts.length];
                    if (h.isHealthy()) {
                        double s = score(h);
                        if (candidate == null || s < best) {
                            candidate = h;
                            best = s;
                        }
                    }
                }
                return candidate;
            }
            for (int i = 0; i < choice; i++) {
                Host h = hosts[random.nextInt(hosts.length)];
                if (h.isHealthy()) {
                    double s = score(h);
                    if (candidate == null || s < best) {
                        candidate = h;
                        best = s;
                    }
                }
            }
            return candidate != null ? candidate : fallback.choose(context);
        }
    }

    /**
     * MOSN's {@code LB_MAGLEV} on the client's IP, or on the connection's own hash key when it has one
     * ({@link LbContext#hasHashKey()}). The table is MOSN's (trainyao/go-maglev): 65537 entries, each host
     * placed by a permutation derived from the SipHash-2-4 (key {@code 0xdeadbeefcafebabe, 0}) of its address
     * string; the lookup key is MOSN's {@code source_ip} hash.
     */
    final class MaglevLb implements LoadBalancer {
        /** go-maglev's {@code SmallM}. */
        static final int M = 65537;
        private final Host[] hosts;
        private final int[] table;

        MaglevLb(Host[] hosts) {
            this.hosts = hosts;
            this.table = populate(hosts);
        }

        static int[] populate(Host[] hosts) {
            int n = hosts.length;
            long[] offset = new long[n];
            long[] skip = new long[n];
            for (int i = 0; i < n; i++) {
                long h = SipHash.hash(0xdeadbeefcafebabeL, 0, hosts[i].address().getBytes(
                        java.nio.charset.StandardCharsets.UTF_8));
                offset[i] = Long.remainderUnsigned(h >>> 32, M);
                skip[i] = Long.remainderUnsigned(h & 0xffffffffL, M - 1) + 1;
            }
            int[] entry = new int[M];
            java.util.Arrays.fill(entry, -1);
            long[] next = new long[n];
            int filled = 0;
            for (; ; ) {
                for (int i = 0; i < n; i++) {
                    int c = (int) ((offset[i] + next[i] * skip[i]) % M);
                    while (entry[c] >= 0) {
                        next[i]++;
                        c = (int) ((offset[i] + next[i] * skip[i]) % M);
                    }
                    entry[c] = i;
                    next[i]++;
                    if (++filled == M) {
                        return entry;
                    }
                }
            }
        }

        /** MOSN's {@code source_ip} hash: the IPv4 address as an unsigned number, the last 4 bytes of an IPv6 one. */
        static long sourceIpHash(SocketAddress remote) {
            if (remote instanceof InetSocketAddress isa && isa.getAddress() != null) {
                byte[] a = isa.getAddress().getAddress();
                int o = a.length - 4;
                return ((a[o] & 0xffL) << 24) | ((a[o + 1] & 0xffL) << 16) | ((a[o + 2] & 0xffL) << 8) | (a[o + 3] & 0xffL);
            }
            return 0;
        }

        /** The index of the host the table gives {@code remote} (before health is considered). */
        int lookup(SocketAddress remote) {
            return table[(int) (sourceIpHash(remote) % M)];
        }

        /** The index of the host the table gives the 64-bit {@code hash} (before health is considered). */
        int lookup(long hash) {
            return table[(int) Long.remainderUnsigned(hash, M)];
        }

        @Override
        public Host choose(LbContext context) {
            int index = context.hasHashKey() ? lookup(context.hashKey()) : lookup(context.downstreamRemoteAddress());
            boolean retrying = context.lastHostIndex() >= 0;
            if (retrying) {
                index = context.lastHostIndex();
            }
            if (retrying || !hosts[index].isHealthy()) {
                index = nextHealthy(hosts, index + 1);
                if (index < 0) {
                    return null;
                }
            }
            context.lastHostIndex(index);
            return hosts[index];
        }
    }

    /**
     * MOSN's {@code LB_REQUEST_ROUNDROBIN}: each connection starts at the first host and moves on only when an
     * attempt fails; the first healthy host of the list takes every connection.
     */
    final class RequestRoundRobinLb implements LoadBalancer {
        private final Host[] hosts;

        RequestRoundRobinLb(Host[] hosts) {
            this.hosts = hosts;
        }

        @Override
        public Host choose(LbContext context) {
            int index = nextHealthy(hosts, context.lastHostIndex() + 1);
            if (index < 0) {
                return null;
            }
            context.lastHostIndex(index);
            return hosts[index];
        }
    }

    /** MOSN's {@code LB_ORIGINAL_DST}: a host at the connection's original destination, made for it. */
    final class OriginalDstLb implements LoadBalancer {
        private final Options options;

        OriginalDstLb(Options options) {
            this.options = options;
        }

        @Override
        public Host choose(LbContext context) {
            if (!(context.originalDestination() instanceof InetSocketAddress dst) || dst.getAddress() == null) {
                return null;
            }
            InetSocketAddress target = options.replaceLocal()
                    ? new InetSocketAddress(InetAddress.getLoopbackAddress(), dst.getPort()) : dst;
            String address = target.getAddress().getHostAddress();
            address = (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + target.getPort();
            return new Host(address, options.clusterName(), 1, target, null);
        }
    }

    /**
     * The smooth weighted round-robin order (as nginx's): over one cycle of {@code sum(weights)} picks, each host is
     * chosen {@code weight} times and picks of a heavy host are spread out rather than bunched.
     */
    final class WeightedSchedule {
        private WeightedSchedule() {
        }

        static List<Host> of(List<Host> hosts) {
            int total = 0;
            for (Host h : hosts) {
                total += h.weight();
            }
            int[] current = new int[hosts.size()];
            List<Host> order = new ArrayList<>(total);
            for (int pick = 0; pick < total; pick++) {
                int best = 0;
                for (int i = 0; i < hosts.size(); i++) {
                    current[i] += hosts.get(i).weight();
                    if (current[i] > current[best]) {
                        best = i;
                    }
                }
                current[best] -= total;
                order.add(hosts.get(best));
            }
            return order;
        }
    }
}
