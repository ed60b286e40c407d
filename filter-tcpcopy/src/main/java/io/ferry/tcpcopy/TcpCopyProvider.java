package io.ferry.tcpcopy;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.dump.spi.DumpSinkProvider;
import io.ferry.tcpcopy.config.TcpCopyConfig;
import io.ferry.tcpcopy.dump.sink.SinkSpec;
import io.ferry.tcpcopy.fuse.SystemUsageSampler;
import io.ferry.tcpcopy.fuse.UsageSampler;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code tcpcopy} network filter: Layotto's traffic dump (mosn/layotto pkg/filter/network/tcpcopy), with
 * Layotto's config and dump files and without its defects. Found through {@code META-INF/services}.
 *
 * <pre>{@code
 * "filters": [
 *   {"type": "tcpcopy", "config": {
 *     "strategy": {"switch": "ON", "interval": 30, "duration": 5, "cpu_max_rate": 80, "mem_max_rate": 80},
 *     "dump": {"dir": "/var/log/ferry/dump", "directions": "inbound"}}},
 *   {"type": "tcp_proxy", "config": {"cluster": "backend"}}
 * ]
 * }</pre>
 *
 * <p>The provider instance is the shared scope: its {@link TcpCopy} holds the global strategy, the fuse and the
 * writers of every tcpcopy filter the runtime creates through it. {@link #create} validates the config at startup
 * ({@link FilterConfigException} with the JSON path, value and allowed range) and registers the admin endpoints once.
 */
public final class TcpCopyProvider implements NetworkFilterFactoryProvider {

    public static final String TYPE = "tcpcopy";

    private final TcpCopy tcpCopy;
    /** The sink providers the runtime's extension lookup offered to {@link #create}: their secret keys are declared. */
    private final Set<DumpSinkProvider> sinkProviders = ConcurrentHashMap.newKeySet();

    public TcpCopyProvider() {
        this(new SystemUsageSampler());
    }

    /** With an injected usage sampler (tests, or a platform that measures usage its own way). */
    public TcpCopyProvider(UsageSampler sampler) {
        this.tcpCopy = new TcpCopy(sampler);
    }

    TcpCopyProvider(TcpCopy tcpCopy) {
        this.tcpCopy = tcpCopy;
    }

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
        sinkProviders.addAll(SinkSpec.providers(config.environment()).values());
        TcpCopyConfig parsed = TcpCopyConfig.parse(config);
        tcpCopy.registerAdmin(config.environment().admin());
        return new TcpCopyFactory(tcpCopy, parsed, config);
    }

    /**
     * The credential keys of the dump sinks (the Kafka sink's {@code sasl.jaas.config}, ...): those on tcpcopy's class
     * path, and, once {@link #create} has run, those the runtime found elsewhere (the plugin directory). The runtime
     * asks again after {@code create}.
     */
    @Override
    public Set<String> secretFields() {
        Set<String> all = new TreeSet<>(Redaction.secretFields());
        all.addAll(SinkSpec.secretFields(sinkProviders));
        return Collections.unmodifiableSet(all);
    }

    /** The shared tcpcopy state and public API of every filter this provider created. */
    public TcpCopy tcpCopy() {
        return tcpCopy;
    }
}
