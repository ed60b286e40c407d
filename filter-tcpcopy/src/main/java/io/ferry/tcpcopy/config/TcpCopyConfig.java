package io.ferry.tcpcopy.config;

import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;

import java.util.Map;

/**
 * A tcpcopy filter's {@code config}: Layotto's {@code "strategy"} (read under that exact, lower-case key, as Layotto
 * does; absent means Layotto's default, switch OFF) and Ferry's {@code "dump"} ({@link DumpConfig}).
 * Any other top-level key is an error, so that a misspelt {@code "Strategy"} does not silently leave capture off.
 */
public record TcpCopyConfig(Strategy strategy, DumpConfig dump) {

    public static TcpCopyConfig parse(FilterConfig config) throws FilterConfigException {
        Map<String, Object> m = config.asMap();
        for (String k : m.keySet()) {
            if (!k.equals("strategy") && !k.equals("dump")) {
                String hint = k.equalsIgnoreCase("strategy") || k.equalsIgnoreCase("dump")
                        ? "\"" + k.toLowerCase(java.util.Locale.ROOT) + "\", lower case as in Layotto"
                        : "only \"strategy\" and \"dump\"";
                throw new FilterConfigException(config.path(k), m.get(k), hint);
            }
        }
        Strategy strategy = m.containsKey("strategy")
                ? Strategy.parse(m.get("strategy"), f -> config.path(f.isEmpty() ? "strategy" : "strategy." + f), false)
                : Strategy.DEFAULT;
        DumpConfig dump = DumpConfig.parse(m.get("dump"), f -> config.path(f.isEmpty() ? "dump" : "dump." + f));
        return new TcpCopyConfig(strategy, dump);
    }
}
