package io.ferry.proxy.config;

/**
 * {@code hosts[i]} of a cluster.
 *
 * @param address {@code address}: {@code "ip:port"}, {@code "name:port"} or {@code "unix:/path"}
 * @param weight  {@code weight}, clamped to 1..128 (0 becomes 1), as in MOSN
 */
public record HostConfig(String address, int weight) {
}
