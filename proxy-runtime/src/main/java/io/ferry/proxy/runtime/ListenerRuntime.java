package io.ferry.proxy.runtime;

import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.proxy.cluster.ClusterManager;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.stats.ListenerStats;

import java.net.InetAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * What every connection of one listener shares: the filter factories in config order, the listener as filters see
 * it, its counters, its idle timeout and, for the sidecar mode, where to find the other listeners. Immutable after
 * startup.
 */
final class ListenerRuntime {

    /** One configured filter: its type (for logs) and its factory. */
    record Factory(String type, NetworkFilterChainFactory factory) {
    }

    final ListenerConfig config;
    final RuntimeListenerInfo info;
    final ListenerStats stats;
    final Factory[] factories;
    final long idleTimeoutNanos;
    /** The listener's IP when its host is an IP literal, else null (never the target of a hand-over). */
    final InetAddress ip;
    /** Every listener of the server, in config order (for the hand-over by original destination). */
    final Supplier<List<ListenerRuntime>> all;
    /** The clusters the filters' upstream connections go to; null in tests without clusters. */
    final ClusterManager clusters;

    ListenerRuntime(ListenerConfig config, RuntimeListenerInfo info, List<Factory> factories,
                    Supplier<List<ListenerRuntime>> all, ClusterManager clusters) {
        this.clusters = clusters;
        this.config = config;
        this.info = info;
        this.stats = new ListenerStats(config.name());
        this.factories = factories.toArray(new Factory[0]);
        this.idleTimeoutNanos = config.connectionIdleTimeout() == null ? 0 : config.connectionIdleTimeout().toNanos();
        InetAddress parsed = null;
        if (config.host() != null && (io.netty.util.NetUtil.isValidIpV4Address(config.host())
                || io.netty.util.NetUtil.isValidIpV6Address(config.host()))) {
            try {
                parsed = InetAddress.getByName(config.host());
            } catch (java.net.UnknownHostException e) {
                parsed = null;
            }
        }
        this.ip = parsed;
        this.all = all;
    }

    ListenerRuntime(ListenerConfig config, RuntimeListenerInfo info, List<Factory> factories) {
        this(config, info, factories, List::of, null);
    }
}
