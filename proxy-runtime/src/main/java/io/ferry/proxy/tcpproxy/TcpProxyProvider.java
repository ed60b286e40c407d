package io.ferry.proxy.tcpproxy;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.proxy.cluster.ClusterAccess;
import io.ferry.proxy.cluster.ClusterManager;

/**
 * The {@code tcp_proxy} network filter: forwards every accepted connection to a host of a cluster. MOSN:
 * {@code streamproxy} registered as {@code tcp_proxy}. Registered through {@code META-INF/services} like any filter.
 *
 * <p>Config (MOSN's {@code v2.StreamProxy}, keys case-insensitive): {@code cluster}, {@code routes[]} of
 * {@code {Cluster, SourceAddrs, DestinationAddrs, SourcePort, DestinationPort}}, {@code max_connect_attempts}
 * (honoured; MOSN ignores it), {@code stat_prefix} (ignored, as in MOSN). See {@link TcpProxyConfig}.
 *
 * <p>Needs the proxy runtime: the cluster manager comes from its filter environment ({@link ClusterAccess}).
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
        if (!(config.environment() instanceof ClusterAccess access)) {
            throw new FilterConfigException(config.path(), config.type(),
                    "a runtime with a cluster manager: tcp_proxy runs only in the Ferry proxy runtime");
        }
        ClusterManager clusters = access.clusterManager();
        TcpProxyConfig parsed = TcpProxyConfig.parse(config, clusters);
        return (context, callbacks) -> callbacks.addReadFilter(new TcpProxyFilter(parsed));
    }
}
