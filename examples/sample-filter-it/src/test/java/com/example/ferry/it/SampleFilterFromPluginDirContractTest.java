package com.example.ferry.it;

import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.filter.registry.FailurePolicy;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.filter.registry.RegistryException;
import io.ferry.testkit.contract.ReadFilterContractTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The contract kit, run on the sample filter as the runtime deploys it: its own jar in a plugin directory, found by
 * type through {@link FilterRegistry} (with the strict failure policy, so any registry diagnostic fails the test),
 * loaded by the plugin's own class loader.
 */
class SampleFilterFromPluginDirContractTest extends ReadFilterContractTest {

    @TempDir
    static Path tmp;

    private static FilterRegistry registry;

    @BeforeAll
    static void deploy() throws IOException, RegistryException {
        registry = FilterRegistry.builder().pluginsDir(SamplePlugin.deployInto(tmp))
                .failurePolicy(FailurePolicy.FAIL).build();
    }

    @Override
    protected NetworkFilterFactoryProvider loadProvider(String type) {
        try {
            return registry.require(type, "listeners[0].filter_chains[0].filters[0]");
        } catch (RegistryException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    protected String type() {
        return SamplePlugin.TYPE;
    }

    @Override
    protected String validConfig() {
        return "{\"prefix\": \"DENY \", \"action\": \"close\"}";
    }

    @Override
    protected List<String> invalidConfigs() {
        return List.of("{}", "{\"prefix\": 5}", "{\"prefix\": \"DENY\", \"action\": \"reset\"}");
    }
}
