package io.ferry.proxy.cluster;

import java.net.SocketAddress;

/**
 * What a load balancer may know about the connection it picks a host for. MOSN: {@code types.LoadBalancerContext}
 * with the connection's variables. Each upstream connection implements it ({@code NettyUpstreamConnection}), so a pick
 * allocates nothing.
 *
 * <p>Called on the connection's event loop only.
 */
public interface LbContext {

    /** No connection: no source address, no original destination, no hash key, never a retry. */
    LbContext NONE = new LbContext() {
        @Override
        public SocketAddress downstreamRemoteAddress() {
            return null;
        }

        @Override
        public SocketAddress originalDestination() {
            return null;
        }

        @Override
        public int lastHostIndex() {
            return -1;
        }

        @Override
        public void lastHostIndex(int index) {
        }
    };

    /** The client's address ({@code LB_MAGLEV} hashes its IP). */
    SocketAddress downstreamRemoteAddress();

    /**
     * The destination the client connected to before an iptables redirect, when the listener reads it
     * ({@code use_original_dst}); null otherwise. {@code LB_ORIGINAL_DST} connects there.
     */
    SocketAddress originalDestination();

    /**
     * The index of the host picked by the previous attempt of this connection, -1 before the first: MOSN's
     * {@code upstream_index} variable, with which {@code LB_REQUEST_ROUNDROBIN} and {@code LB_MAGLEV} move on to the
     * next host when a connect attempt fails.
     */
    int lastHostIndex();

    /** Records the index of the host just picked (see {@link #lastHostIndex()}). */
    void lastHostIndex(int index);

    /**
     * True when the connection brings its own hash key ({@code UpstreamRoute.withHashKey}): hashing balancers
     * ({@code LB_MAGLEV}) then hash {@link #hashKey()} instead of the client's IP.
     */
    default boolean hasHashKey() {
        return false;
    }

    /** The connection's hash key; meaningful only when {@link #hasHashKey()}. */
    default long hashKey() {
        return 0;
    }
}
