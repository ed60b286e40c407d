package com.example.ferry;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Provides the {@code example.deny_prefix} network filter: it closes every connection whose first bytes are a
 * configured prefix, and passes every other connection through untouched.
 *
 * <pre>{@code
 * { "type": "example.deny_prefix", "config": { "prefix": "DROP ", "action": "close" } }
 * }</pre>
 *
 * <ul>
 *   <li>{@code prefix}: required, a non-empty string of at most {@value #MAX_PREFIX_BYTES} bytes in UTF-8.</li>
 *   <li>{@code action}: optional, {@code "close"} (the default and, so far, the only action).</li>
 * </ul>
 * Any other key is refused, so a misspelt key cannot silently leave the filter misconfigured.
 *
 * <p>Registered in {@code META-INF/services/io.ferry.filter.api.spi.NetworkFilterFactoryProvider}. The type has a
 * vendor prefix ({@code example.}), as third-party types should.
 */
public final class DenyPrefixProvider implements NetworkFilterFactoryProvider {

    /** The filter's {@code type} in the JSON config. */
    public static final String TYPE = "example.deny_prefix";

    /** The longest prefix accepted, in bytes: the filter holds back at most this many bytes of a connection. */
    public static final int MAX_PREFIX_BYTES = 4096;

    private static final Set<String> KEYS = Set.of("prefix", "action");

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
        Map<String, Object> map = config.asMap();
        for (String key : map.keySet()) {
            if (!KEYS.contains(key)) {
                throw new FilterConfigException(config.path(key), map.get(key),
                        "no such key; the keys are \"prefix\" and \"action\"");
            }
        }
        Object prefix = map.get("prefix");
        if (!(prefix instanceof String) || ((String) prefix).isEmpty()) {
            throw new FilterConfigException(config.path("prefix"), prefix,
                    "a non-empty string, the bytes that deny a connection");
        }
        byte[] bytes = ((String) prefix).getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PREFIX_BYTES) {
            throw new FilterConfigException(config.path("prefix"), prefix,
                    "at most " + MAX_PREFIX_BYTES + " bytes in UTF-8, found " + bytes.length);
        }
        Object action = map.getOrDefault("action", "close");
        if (!"close".equals(action)) {
            throw new FilterConfigException(config.path("action"), action, "\"close\"");
        }
        return new DenyPrefixFactory(bytes);
    }
}
