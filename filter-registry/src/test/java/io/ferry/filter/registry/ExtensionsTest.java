package io.ferry.filter.registry;

import io.ferry.dump.spi.TestExtensionSpi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FilterRegistry#extensions(Class)}: implementations of an SPI other than the filter SPI, on the class path and
 * in plugin locations, with their origin, against a real plugin jar built at test time ({@link TestPlugins}).
 */
class ExtensionsTest {

    @TempDir
    Path tmp;

    @Test
    void theClassPathsFirstThenEachPluginLocationsEachLoadedByItsLocation() throws Exception {
        Path plugins = Files.createDirectory(tmp.resolve("plugins"));
        Path jar = TestPlugins.jar("extension", plugins.resolve("extension.jar"));
        FilterRegistry r = FilterRegistry.builder().pluginsDir(plugins).build();

        List<Extension<TestExtensionSpi>> found = r.extensions(TestExtensionSpi.class);

        assertEquals(List.of("io.ferry.filter.registry.testing.ClasspathExtension", "com.acme.ext.PluginExtension"),
                found.stream().map(Extension::className).toList());
        Extension<TestExtensionSpi> cp = found.get(0);
        Extension<TestExtensionSpi> plugin = found.get(1);
        assertFalse(cp.plugin());
        assertEquals("classpath", cp.instance().name());
        assertTrue(plugin.plugin());
        assertEquals(jar.toAbsolutePath().normalize().toString(), plugin.location());
        assertEquals("plugin " + plugin.location(), plugin.origin());
        ClassLoader loader = plugin.instance().getClass().getClassLoader();
        assertTrue(loader instanceof PluginClassLoader, "loaded by its location's loader: " + loader);
        assertNotSame(getClass().getClassLoader(), loader);
        assertEquals("plugin spi=host format=host own=plugin", plugin.instance().name());
    }

    @Test
    void aLocationWithAnExtensionButNoFilterIsNotReportedAsProvidingNothing() throws Exception {
        Path plugins = Files.createDirectory(tmp.resolve("plugins"));
        TestPlugins.jar("extension", plugins.resolve("extension.jar"));
        TestPlugins.excludedJar("missing-dep", plugins.resolve("helper.jar"));    // a plain library: reported

        FilterRegistry r = FilterRegistry.builder().pluginsDir(plugins).build();

        assertEquals(1, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).contains("helper.jar provides no network filter"), r.problems().get(0));
    }

    @Test
    void theInstancesAreFoundOnceAndShared() throws Exception {
        Path plugins = Files.createDirectory(tmp.resolve("plugins"));
        TestPlugins.jar("extension", plugins.resolve("extension.jar"));
        FilterRegistry r = FilterRegistry.builder().pluginsDir(plugins).build();

        List<Extension<TestExtensionSpi>> first = r.extensions(TestExtensionSpi.class);
        List<Extension<TestExtensionSpi>> again = r.extensions(TestExtensionSpi.class);

        assertSame(first.get(1).instance(), again.get(1).instance());
    }

    @Test
    void withoutAPluginDirectoryOnlyTheClassPath() throws Exception {
        FilterRegistry r = FilterRegistry.builder().build();

        assertEquals(List.of("classpath"),
                r.extensions(TestExtensionSpi.class).stream().map(e -> e.instance().name()).toList());
        assertEquals(List.of(), r.extensions(Runnable.class), "an SPI nobody implements");
    }
}
