package io.ferry.proxy.tcpproxy;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

/**
 * The {@code tcp_proxy} network filter: forwards every accepted connection to a host of a cluster. MOSN:
 * {@code streamproxy} registered as {@code tcp_proxy}. Registered through {@code META-INF/services} like any filter.
 *
 * <p>Config (MOSN's {@code v2.StreamProxy}, keys case-insensitive): {@code cluster}, {@code routes[]} of
 * {@code {Cluster, SourceAddrs, DestinationAddrs, SourcePort, DestinationPort}}, {@code max_connect_attempts}
 * (honoured; MOSN ignores it), {@code stat_prefix} (ignored, as in MOSN). See {@link TcpProxyConfig}.
 *
 * <p>Written on {@code filter-api} alone, as a third party could have written it: the cluster names are checked
 * against {@link io.ferry.filter.api.spi.FilterEnvironment#clusterNames()}, the upstream connections come from
 * {@link io.ferry.filter.api.ReadFilterCallbacks#upstreams()}, and an earlier filter may choose the cluster (and a
 * host hint) with an {@link io.ferry.filter.api.upstream.UpstreamRoute} under
 * {@link io.ferry.filter.api.upstream.UpstreamRoute#KEY}. The package imports nothing of the runtime
 * ({@code TcpProxyIsThirdPartyCodeTest} compiles it against {@code filter-api} and SLF4J alone).
 */
public final class TcpProxyProvider implements NetworkFilterFactoryProvider {

    /** The filter's type name. */
    public static final String TYPE = "tcp_proxy";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String apiVersion() {
        return FilterApi.VERSION;
    }

    @Override
    public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {
        TcpProxyConfig parsed = TcpProxyConfig.parse(config, config.environment().clusterNames());
        return (context, callbacks) -> callbacks.addReadFilter(new TcpProxyFilter(parsed, context.listener().name()));
    }
}
