package io.ferry.proxy.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Resolves the host names of STRICT_DNS clusters. The default is the system's resolver ({@code /etc/hosts},
 * {@code resolv.conf}) through {@link InetAddress#getAllByName}; tests supply their own.
 *
 * <p>Called on the runtime's DNS thread only (it may block).
 */
@FunctionalInterface
public interface HostResolver {

    /** The system's resolver. */
    HostResolver SYSTEM = InetAddress::getAllByName;

    /** Every address {@code name} has now. */
    InetAddress[] resolve(String name) throws UnknownHostException;
}
