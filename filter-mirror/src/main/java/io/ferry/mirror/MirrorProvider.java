package io.ferry.mirror;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.io.IOException;

/**
 * The {@code tcp_mirror} network filter: copies a share of a listener's connections live to a shadow cluster and
 * compares the shadow's answers with the primary's, without the client ever waiting for the shadow. Placed before
 * {@code tcp_proxy}; found through {@code META-INF/services}.
 *
 * <pre>{@code
 * "filters": [
 *   {"type": "tcp_mirror", "config": {"cluster": "shadow", "percent": 10, "copies": 1, "compare": true,
 *                                     "max_buffer": "1MiB", "connect_timeout": "1s"}},
 *   {"type": "tcp_proxy", "config": {"cluster": "backend"}}
 * ]
 * }</pre>
 *
 * <p>{@link #create} validates the config at startup ({@link MirrorConfig}), opens the verdict log if one is
 * configured, and registers the admin endpoints once per runtime, in the plugin scope ({@link MirrorHub}).
 */
public final class MirrorProvider implements NetworkFilterFactoryProvider {

    public static final String TYPE = "tcp_mirror";

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
        MirrorConfig parsed = MirrorConfig.parse(config, config.environment().clusterNames());
        MirrorHub hub = config.pluginScope().computeIfAbsent(MirrorHub.class, () -> {
            MirrorHub h = new MirrorHub();
            h.registerAdmin(config.environment().admin());
            return h;
        });
        VerdictLog log = null;
        if (parsed.verdictLog() != null) {
            try {
                log = hub.verdictLog(parsed.verdictLog());
            } catch (IOException e) {
                throw new FilterConfigException(config.path("verdict_log"), config.asMap().get("verdict_log"),
                        "a file tcp_mirror can create or append to (" + e + ")");
            }
        }
        return new MirrorFactory(hub, parsed, config.environment(), log);
    }
}
