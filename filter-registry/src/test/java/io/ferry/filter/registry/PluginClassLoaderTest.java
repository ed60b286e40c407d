package io.ferry.filter.registry;

import io.ferry.filter.api.FilterApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The child-first loader of one plugin location, on a real jar that bundles filter-api and a host class. */
class PluginClassLoaderTest {

    private static final String SERVICE_FILE = "META-INF/services/io.ferry.filter.api.spi.NetworkFilterFactoryProvider";

    @TempDir
    Path tmp;

    private PluginClassLoader loader(String... fixtures) throws Exception {
        URL[] urls = new URL[fixtures.length];
        for (int i = 0; i < fixtures.length; i++) {
            urls[i] = TestPlugins.jar(fixtures[i], tmp.resolve(fixtures[i] + ".jar")).toUri().toURL();
        }
        return new PluginClassLoader("test", urls, getClass().getClassLoader());
    }

    @Test
    void classesThePluginHasComeFromThePluginEvenIfTheHostHasThemToo() throws Exception {
        try (PluginClassLoader loader = loader("good")) {
            Class<?> shared = loader.loadClass("com.acme.shared.Shared");

            assertSame(loader, shared.getClassLoader());
            assertEquals("plugin", shared.getMethod("origin").invoke(null));
        }
    }

    @Test
    void sharedPackagesAlwaysComeFromTheHostEvenIfThePluginBundlesThem() throws Exception {
        try (PluginClassLoader loader = loader("bundled-api")) {
            assertSame(FilterApi.class, loader.loadClass("io.ferry.filter.api.FilterApi"));
            assertSame(org.slf4j.Logger.class, loader.loadClass("org.slf4j.Logger"));
        }
    }

    @Test
    void classesThePluginLacksComeFromTheHost() throws Exception {
        try (PluginClassLoader loader = loader("good")) {
            assertSame(PluginClassLoaderTest.class, loader.loadClass(PluginClassLoaderTest.class.getName()));
        }
    }

    @Test
    void sharedPackagesAreTheDocumentedOnes() {
        assertEquals(List.of("java.", "javax.", "io.ferry.filter.api.", "io.netty.", "org.slf4j."),
                PluginClassLoader.SHARED_PACKAGES);
        assertTrue(PluginClassLoader.isShared("io.netty.buffer.ByteBuf"));
        assertTrue(!PluginClassLoader.isShared("io.ferry.filter.registry.FilterRegistry"));
    }

    @Test
    void resourcesListThePluginsOwnFirst() throws Exception {
        try (PluginClassLoader loader = loader("good")) {
            List<URL> all = Collections.list(loader.getResources(SERVICE_FILE));

            assertTrue(all.get(0).toString().startsWith("jar:"), all.toString());
            assertTrue(all.get(0).toString().contains("good.jar!/"), all.toString());
            assertTrue(all.size() >= 2, "the host's service files follow: " + all);
            assertEquals(all.get(0), loader.getResource(SERVICE_FILE));
        }
    }

    /** filter-api's documentation tells plugin authors which packages come from the host: it must say what we do. */
    @Test
    void filterApisLoggingDocumentationNamesExactlyTheSharedPackages() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("..", "filter-api", "src", "main", "java",
                "io", "ferry", "filter", "api", "package-info.java"));
        String section = doc.substring(doc.indexOf("<h2>Logging</h2>"), doc.indexOf("<h2>Stability</h2>"));
        java.util.List<String> named = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{@code ([a-z0-9.]+)\\.\\*}").matcher(section);
        while (m.find()) {
            named.add(m.group(1) + ".");
        }
        assertEquals(PluginClassLoader.SHARED_PACKAGES, named);
    }
}
