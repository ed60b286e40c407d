package io.ferry.cli;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.util.Set;

/**
 * {@code test.vault}: a filter that declares {@code vault_blob} secret, logs its whole config, and, with
 * {@code "fail": true}, fails with an error message that quotes the secret (for {@link SecretsEndToEndIT}).
 */
public final class VaultProvider implements NetworkFilterFactoryProvider {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VaultProvider.class);

    @Override
    public String type() {
        return "test.vault";
    }

    @Override
    public String apiVersion() {
        return FilterApi.VERSION;
    }

    @Override
    public Set<String> secretFields() {
        return Set.of("vault_blob");
    }

    @Override
    public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {
        LOG.info("vault filter config: {}", config.json());
        if (Boolean.TRUE.equals(config.asMap().get("fail"))) {
            throw new IllegalStateException("cannot open the vault with " + config.asMap().get("vault_blob"));
        }
        return (context, callbacks) -> { };
    }
}
