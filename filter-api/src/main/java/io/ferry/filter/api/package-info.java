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
 * <h2>Logging</h2>
 * A filter logs through the SLF4J API ({@code org.slf4j.Logger}), declared with scope {@code provided}: the runtime
 * supplies {@code slf4j-api} and its backend, configured by the config's {@code servers[0].default_log_level} and
 * {@code default_log_path}. A plugin bundles neither the API nor a binding. The plugin class loader takes these
 * packages from the host, always, whatever the plugin's jars contain: {@code java.*}, {@code javax.*},
 * {@code io.ferry.filter.api.*}, {@code io.netty.*} and {@code org.slf4j.*}; every other class comes from the plugin's
 * own location first. Name loggers after the filter's classes; log per connection at DEBUG, never per byte on the
 * event loop; and keep credentials out of messages ({@link io.ferry.filter.api.spi.Secrets}: the runtime scrubs the
 * values of secret config keys from its log lines, but not a value a filter builds itself).
 *
 * <h2>Stability</h2>
 * Types marked {@link io.ferry.filter.api.Stable} keep source and binary compatibility across minor versions (the
 * build checks it against a recorded baseline of this API); types and methods marked
 * {@link io.ferry.filter.api.Experimental} (upstream connections, the filter state, typed metrics, typed config
 * access, the plugin scope, {@link io.ferry.filter.api.SharedState}) may still change in a minor version.
 *
 * <p>Beyond MOSN's API: filters open upstream connections to the runtime's clusters themselves (package
 * {@link io.ferry.filter.api.upstream}; built-in {@code tcp_proxy} uses nothing else) and share typed values with the
 * filters after them ({@link io.ferry.filter.api.FilterState}, e.g. an
 * {@link io.ferry.filter.api.upstream.UpstreamRoute} that {@code tcp_proxy} honours);
 * {@link io.ferry.filter.api.Connection#writeFrom} relays bytes without a copy. These are
 * {@link io.ferry.filter.api.Experimental}. Also: {@link io.ferry.filter.api.spi.FilterEnvironment#metrics()} gives
 * filters typed metrics (counters, gauges, histograms, package {@link io.ferry.filter.api.metrics}) that the runtime
 * exports to Prometheus;
 * {@link io.ferry.filter.api.spi.Secrets} is the one rule by which credentials in configs are hidden, and
 * {@link io.ferry.filter.api.spi.NetworkFilterFactoryProvider#secretFields()} lets a filter declare its own;
 * {@link io.ferry.filter.api.spi.ConfigObject} reads a config with typed getters and MOSN's duration syntax;
 * {@link io.ferry.filter.api.spi.FilterConfig#pluginScope()} holds what a plugin shares across its listeners.
 */
@Stable
package io.ferry.filter.api;
