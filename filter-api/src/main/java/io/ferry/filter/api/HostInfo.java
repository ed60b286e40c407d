package io.ferry.filter.api;

/**
 * An upstream host of a cluster. MOSN: {@code api.HostInfo} (the subset filters use).
 */
@Stable
public interface HostInfo {

    /** The host's {@code address} as configured: {@code "ip:port"}, {@code "name:port"} or {@code "unix:/path"}. */
    String address();

    /** The name of the cluster the host belongs to. */
    String clusterName();

    /** The host's weight, 1 to 128. */
    int weight();
}
