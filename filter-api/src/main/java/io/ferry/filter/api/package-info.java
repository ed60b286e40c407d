/**
 * MOSN's network filter API in Java.
 *
 * <p>Anyone porting a MOSN network filter should find each Go type here under the name in this table:
 * <table>
 *   <caption>Java type to MOSN Go name</caption>
 *   <tr><th>Ferry (Java)</th><th>MOSN (Go, package {@code mosn.io/api} unless noted)</th></tr>
 *   <tr><td>{@link io.ferry.filter.api.FilterStatus}</td><td>{@code FilterStatus} ({@code Continue}, {@code Stop})</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.ReadFilter}</td><td>{@code ReadFilter}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.WriteFilter}</td><td>{@code WriteFilter}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.ReadFilterCallbacks}</td><td>{@code ReadFilterCallbacks}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.NetworkFilterChainFactoryCallbacks}</td><td>{@code NetWorkFilterChainFactoryCallbacks} (capital W in Go)</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.NetworkFilterChainFactory}</td><td>{@code NetworkFilterChainFactory}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.FactoryInitializer}</td><td>{@code FactoryInitializer}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.FilterChainContext}</td><td>the {@code context.Context} passed to {@code CreateFilterChain}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.ListenerInfo}</td><td>{@code *v2.Listener} ({@code mosn.io/mosn/pkg/config/v2})</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.Connection}</td><td>{@code Connection}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.ConnectionEvent}</td><td>{@code ConnectionEvent}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.ConnectionCloseType}</td><td>{@code ConnectionCloseType} ({@code FlushWrite}, {@code NoFlush})</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.ConnectionEventListener}</td><td>{@code ConnectionEventListener}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.IoBuffer}</td><td>{@code IoBuffer} ({@code mosn.io/pkg/buffer})</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.HostInfo}</td><td>{@code HostInfo}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.spi.NetworkFilterFactoryProvider}</td><td>{@code NetworkFilterFactoryCreator} registered with {@code RegisterNetwork}</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.FilterState}</td><td>the connection context's variables (Envoy: {@code FilterState})</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.upstream.UpstreamConnector}</td><td>{@code ClusterManager.TCPConnForCluster} ({@code mosn.io/mosn/pkg/types})</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.upstream.UpstreamConnection}</td><td>the client {@code Connection} {@code tcp_proxy} creates</td></tr>
 *   <tr><td>{@link io.ferry.filter.api.admin.AdminRegistry}</td><td>{@code admin.RegisterAdminHandleFunc} ({@code mosn.io/mosn/pkg/admin/server})</td></tr>
 * </table>
 *
 * <p>The chain's rules (order, threading, buffer ownership) are stated on {@link io.ferry.filter.api.ReadFilter},
 * {@link io.ferry.filter.api.WriteFilter}, {@link io.ferry.filter.api.IoBuffer} and
 * {@link io.ferry.filter.api.NetworkFilterChainFactory}, and numbered in {@code FILTER-CONTRACT.md}.
 *
 * <p>Beyond MOSN's API: filters open upstream connections to the runtime's clusters themselves (package
 * {@link io.ferry.filter.api.upstream}; built-in {@code tcp_proxy} uses nothing else) and share typed values with the
 * filters after them ({@link io.ferry.filter.api.FilterState}, e.g. an
 * {@link io.ferry.filter.api.upstream.UpstreamRoute} that {@code tcp_proxy} honours);
 * {@link io.ferry.filter.api.Connection#writeFrom} relays bytes without a copy. These are
 * {@link io.ferry.filter.api.Experimental}: they may still change in a minor version. Also:
 * {@link io.ferry.filter.api.spi.FilterEnvironment#metrics()} gives filters typed metrics (counters, gauges, histograms, package {@link io.ferry.filter.api.metrics}) that the runtime exports to Prometheus;
 * {@link io.ferry.filter.api.spi.Secrets} is the one rule by which credentials in configs are hidden, and
 * {@link io.ferry.filter.api.spi.NetworkFilterFactoryProvider#secretFields()} lets a filter declare its own.
 */
@Stable
package io.ferry.filter.api;
