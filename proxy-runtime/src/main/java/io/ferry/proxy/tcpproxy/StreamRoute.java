package io.ferry.proxy.tcpproxy;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * One {@code routes[]} element of {@code tcp_proxy}. MOSN: {@code v2.StreamRoute}, whose keys are Go field names
 * ({@code Cluster}, {@code SourceAddrs}, {@code DestinationAddrs}, {@code SourcePort}, {@code DestinationPort})
 * matched case-insensitively. As in MOSN a route matches only when all four criteria match; the config parser
 * therefore refuses a route that leaves one out, since MOSN would never select it. Immutable.
 */
record StreamRoute(String cluster, List<CidrRange> sourceAddrs, List<CidrRange> destinationAddrs,
                   PortRanges sourcePorts, PortRanges destinationPorts) {

    /** True if the connection from {@code remote} to {@code local} matches; false for non-IP (unix) addresses. */
    boolean matches(SocketAddress remote, SocketAddress local) {
        if (!(remote instanceof InetSocketAddress src) || !(local instanceof InetSocketAddress dst)
                || src.getAddress() == null || dst.getAddress() == null) {
            return false;
        }
        return anyContains(sourceAddrs, src) && sourcePorts.contains(src.getPort())
                && anyContains(destinationAddrs, dst) && destinationPorts.contains(dst.getPort());
    }

    private static boolean anyContains(List<CidrRange> ranges, InetSocketAddress a) {
        for (CidrRange r : ranges) {
            if (r.contains(a.getAddress())) {
                return true;
            }
        }
        return false;
    }
}
