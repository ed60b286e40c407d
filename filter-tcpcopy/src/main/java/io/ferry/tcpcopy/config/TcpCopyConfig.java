package io.ferry.tcpcopy.config;

import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.tcpcopy.dump.sink.SinkSpec;

import java.util.Map;

/**
 * A tcpcopy filter's {@code config}: Layotto's {@code "strategy"} (read under that exact, lower-case key, as Layotto
 * does; absent means Layotto's default, switch OFF) and Ferry's {@code "dump"} ({@link DumpConfig}).
 * {@code "Strategy"} or {@code "DUMP"} in another case is an error, so that a misspelt key does not silently leave
 * capture off; any other key is ignored with a warning, as MOSN ignores unknown keys (it still appears, redacted,
 * in the config dump).
 */
public record TcpCopyConfig(Strategy strategy, DumpConfig dump) {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TcpCopyConfig.class);

    public static TcpCopyConfig parse(FilterConfig config) throws FilterConfigException {
        Map<String, Object> m = config.asMap();
        for (String k : m.keySet()) {
            if (k.equals("strategy") || k.equals("dump")) {
                continue;
            }
            if (k.equalsIgnoreCase("strategy") || k.equalsIgnoreCase("dump")) {
                throw new FilterConfigException(config.path(k), m.get(k),
                        "\"" + k.toLowerCase(java.util.Locale.ROOT) + "\", lower case as in Layotto");
            }
            LOG.warn("{}: unknown key, ignored (tcpcopy reads \"strategy\" and \"dump\")", config.path(k));
        }
        Strategy strategy = m.containsKey("strategy")
                ? Strategy.parse(m.get("strategy"), f -> config.path(f.isEmpty() ? "strategy" : "strategy." + f), false)
                : Strategy.DEFAULT;
        DumpConfig dump = DumpConfig.parse(m.get("dump"), f -> config.path(f.isEmpty() ? "dump" : "dump." + f),
                SinkSpec.providers(config.environment()));
        return new TcpCopyConfig(strategy, dump);
    }
}
