/**
 * Upstream connections for filters: a filter asks the runtime for a connection to a cluster
 * ({@link io.ferry.filter.api.upstream.UpstreamConnector}, from
 * {@link io.ferry.filter.api.ReadFilterCallbacks#upstreams()}), with the cluster's load balancing, connect timeout,
 * circuit breaker, health checks and counters, and gets its events and bytes through the same {@code IoBuffer} and
 * callback model as the downstream connection ({@link io.ferry.filter.api.upstream.UpstreamCallbacks}). Built-in
 * {@code tcp_proxy} is written on this package and {@code filter-api} alone.
 *
 * <table>
 *   <caption>Type to its models</caption>
 *   <tr><th>Ferry</th><th>MOSN</th><th>Envoy</th></tr>
 *   <tr><td>{@link io.ferry.filter.api.upstream.UpstreamConnector}</td><td>{@code ClusterManager.TCPConnForCluster}</td>
 *       <td>{@code ThreadLocalCluster::tcpConnPool}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.upstream.UpstreamConnection}</td><td>the client {@code Connection} of
 *       {@code tcp_proxy}</td><td>{@code Tcp::ConnectionPool::ConnectionData}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.upstream.UpstreamCallbacks}</td><td>{@code tcp_proxy}'s
 *       {@code upstreamCallbacks}</td><td>{@code Tcp::ConnectionPool::UpstreamCallbacks}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.upstream.UpstreamRoute}</td><td>the cluster name and the load balancer
 *       context</td><td>{@code PerConnectionCluster}, {@code LoadBalancerContext}</td></tr>
 * </table>
 */
@Experimental
package io.ferry.filter.api.upstream;

import io.ferry.filter.api.Experimental;
