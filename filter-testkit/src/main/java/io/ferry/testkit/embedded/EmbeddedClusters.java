package io.ferry.testkit.embedded;

import io.ferry.filter.api.upstream.UpstreamConnector;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The in-memory clusters of an {@link EmbeddedEnvironment}: what {@code FilterEnvironment.clusterNames()} lists and
 * where the upstream connections of a harness's filters go ({@code ReadFilterCallbacks.upstreams()}). Each cluster has
 * one host, {@code <name>.embedded:1}, and a {@link Behaviour}; every connection opened to it is kept, in order, as an
 * {@link EmbeddedUpstream} the test drives and inspects.
 *
 * <pre>{@code
 * EmbeddedEnvironment env = new EmbeddedEnvironment();
 * env.clusters().add("backend");
 * EmbeddedFilterChain chain = EmbeddedFilterChain.builder().environment(env)
 *         .providerType("acme.router").config("{}")
 *         .factory(EmbeddedTcpProxy.TYPE, EmbeddedTcpProxy.factory("backend")).captureInbound(false)
 *         .build();
 * chain.writeInbound("hello");
 * EmbeddedUpstream upstream = env.clusters().connections("backend").get(0);
 * assertEquals("hello", upstream.receivedString());
 * upstream.send("world");                        // the upstream answers
 * assertEquals("world", chain.readOutboundString());
 * }</pre>
 *
 * <p>Thread-safe: one environment may serve harnesses on several threads; each {@link EmbeddedUpstream} belongs to the
 * thread of the harness whose filter opened it.
 */
public final class EmbeddedClusters {

    /** What a cluster's host does with a connection. */
    public enum Behaviour {
        /** Accepts: {@code CONNECTED} as soon as the harness runs its pending tasks. */
        ACCEPT,
        /** Accepts, and sends back every byte it receives, then its FIN after the filter's. */
        ECHO,
        /** Refuses: every attempt fails ({@code CONNECT_FAILED}). */
        REFUSE,
        /**
         * Leaves every attempt pending until the test calls {@link EmbeddedUpstream#completeConnect()} or
         * {@link EmbeddedUpstream#failConnect(boolean)}.
         */
        MANUAL
    }

    private final Map<String, Behaviour> clusters = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<EmbeddedUpstream> connections = new CopyOnWriteArrayList<>();

    /** Adds a cluster whose host accepts connections; returns this. */
    public EmbeddedClusters add(String name) {
        return add(name, Behaviour.ACCEPT);
    }

    /** Adds (or redefines) a cluster; returns this. */
    public EmbeddedClusters add(String name, Behaviour behaviour) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(behaviour, "behaviour");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a cluster name");
        }
        clusters.put(name, behaviour);
        return this;
    }

    /** The cluster names, in the order they were added. */
    public Set<String> names() {
        synchronized (clusters) {
            return Collections.unmodifiableSet(new LinkedHashSet<>(clusters.keySet()));
        }
    }

    /** The behaviour of cluster {@code name}, or {@code null} if there is none. */
    public Behaviour behaviour(String name) {
        return clusters.get(name);
    }

    /** The host address of cluster {@code name}: {@code <name>.embedded:1}. */
    public static String hostAddress(String name) {
        return name + ".embedded:1";
    }

    /** Every upstream connection filters opened to cluster {@code name}, in order (attempts that failed included). */
    public List<EmbeddedUpstream> connections(String name) {
        List<EmbeddedUpstream> out = new ArrayList<>();
        for (EmbeddedUpstream u : connections) {
            if (name.equals(u.route().cluster())) {
                out.add(u);
            }
        }
        return out;
    }

    /** Every upstream connection filters opened, in order. */
    public List<EmbeddedUpstream> connections() {
        return List.copyOf(connections);
    }

    /** The connector a harness hands its filters. */
    UpstreamConnector connector(EmbeddedTransport transport) {
        return (route, maxConnectAttempts, callbacks) -> {
            Objects.requireNonNull(route, "route");
            Objects.requireNonNull(callbacks, "callbacks");
            if (route.cluster() == null) {
                throw new IllegalArgumentException("connect(" + route + "): the route names no cluster (expected: "
                        + "UpstreamRoute.toCluster(name))");
            }
            if (maxConnectAttempts < 0 || maxConnectAttempts > 100) {
                throw new IllegalArgumentException("maxConnectAttempts: " + maxConnectAttempts
                        + " (expected: 1 to 100, or 0 for the cluster's default)");
            }
            EmbeddedUpstream u = new EmbeddedUpstream(this, transport, route, maxConnectAttempts, callbacks);
            connections.add(u);
            transport.execute(u::start);
            return u;
        };
    }
}
