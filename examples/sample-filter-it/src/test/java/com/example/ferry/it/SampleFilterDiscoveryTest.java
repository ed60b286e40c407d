package com.example.ferry.it;

import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.filter.registry.ProviderInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sample filter is found by its type name in a plugin directory, and only there. */
class SampleFilterDiscoveryTest {

    @TempDir
    Path tmp;

    @Test
    void theSampleFilterIsNotOnTheTestClassPath() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName(SamplePlugin.PROVIDER_CLASS),
                "sample-filter must reach the tests only through the plugin directory");
        assertTrue(FilterRegistry.builder().build().find(SamplePlugin.TYPE).isEmpty());
    }

    @Test
    void theRegistryFindsTheSampleFilterByTypeInThePluginDirectory() throws Exception {
        Path plugins = SamplePlugin.deployInto(tmp);

        FilterRegistry registry = FilterRegistry.builder().pluginsDir(plugins).build();

        assertEquals(List.of(), registry.problems());
        NetworkFilterFactoryProvider provider = registry.require(SamplePlugin.TYPE, "filters[0]");
        assertEquals(SamplePlugin.PROVIDER_CLASS, provider.getClass().getName());
        assertNotSame(getClass().getClassLoader(), provider.getClass().getClassLoader());
        ProviderInfo info = registry.providers().stream().filter(p -> p.type().equals(SamplePlugin.TYPE))
                .findFirst().orElseThrow();
        Path jar = plugins.resolve(SamplePlugin.builtJar().getFileName());
        assertEquals(jar.toString(), info.location());
        assertTrue(info.plugin());
        assertEquals(io.ferry.filter.api.FilterApi.VERSION, info.apiVersion(), "the sample was built against this API");
        assertEquals(SamplePlugin.TYPE + "  " + info.version() + "  plugin  " + jar, info.inventoryLine());
    }
}
