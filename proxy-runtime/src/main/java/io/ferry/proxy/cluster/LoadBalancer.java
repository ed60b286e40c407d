package io.ferry.proxy.cluster;

import io.ferry.proxy.config.LbType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the host for a new upstream connection. MOSN: {@code types.LoadBalancer.ChooseHost}.
 *
 * <p>Thread-safe and lock-free: called from every event loop at once. Ferry has no health checking yet, so every
 * host is a candidate.
 */
public interface LoadBalancer {

    /** The next host, or {@code null} when the cluster has none. */
    Host choose();

    /** The balancer for {@code type} over {@code hosts} (which must not change afterwards). */
    static LoadBalancer of(LbType type, List<Host> hosts) {
        if (hosts.isEmpty()) {
            return () -> null;
        }
        return switch (type) {
            case LB_RANDOM -> new RandomLb(hosts);
            case LB_ROUNDROBIN -> new RoundRobinLb(hosts);
            case LB_WEIGHTED_ROUNDROBIN -> new RoundRobinLb(WeightedSchedule.of(hosts));
        };
    }

    /** MOSN's {@code LB_RANDOM}: a uniformly random host. */
    final class RandomLb implements LoadBalancer {
        private final Host[] hosts;

        RandomLb(List<Host> hosts) {
            this.hosts = hosts.toArray(new Host[0]);
        }

        @Override
        public Host choose() {
            return hosts[ThreadLocalRandom.current().nextInt(hosts.length)];
        }
    }

    /**
     * MOSN's {@code LB_ROUNDROBIN}: hosts in turn. Also runs the precomputed weighted schedule of
     * {@code LB_WEIGHTED_ROUNDROBIN}.
     */
    final class RoundRobinLb implements LoadBalancer {
        private final Host[] hosts;
        private final AtomicInteger next = new AtomicInteger();

        RoundRobinLb(List<Host> hosts) {
            this.hosts = hosts.toArray(new Host[0]);
        }

        @Override
        public Host choose() {
            return hosts[Math.floorMod(next.getAndIncrement(), hosts.length)];
        }
    }

    /**
     * The smooth weighted round-robin order (as nginx's): over one cycle of {@code sum(weights)} picks, each host is
     * chosen {@code weight} times and picks of a heavy host are spread out rather than bunched. Computed once, so
     * that choosing is one atomic increment.
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
