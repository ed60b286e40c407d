package io.ferry.proxy.cli;

import io.ferry.filter.registry.TestPlugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken plugins are diagnosed before traffic: {@code ferry filters --check} for CI, and {@code ferry start} in one
 * line each, without a stack trace. The plugin jars are built at test time by the registry's {@link TestPlugins}.
 */
class PluginDiagnosticsCliTest {

    @TempDir
    Path tmp;

    private Path plugins(String... fixtures) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        for (String f : fixtures) {
            TestPlugins.jar(f, dir.resolve(f + ".jar"));
        }
        return dir;
    }

    private static List<String> lines(String s) {
        return s.lines().toList();
    }

    @Test
    void checkPassesAHealthyPluginDirectoryAndShowsWhereEachProviderCameFrom() throws Exception {
        Path dir = plugins("good");
        MainTest.Run r = new MainTest.Run("filters", "--check", "--plugins-dir", dir.toString());
        assertEquals(0, r.code, r.err());
        assertTrue(lines(r.out()).contains("acme.echo  2.3.1  plugin  " + dir.resolve("good.jar")), r.out());
        assertTrue(lines(r.out()).stream().anyMatch(l -> l.startsWith("tcp_proxy  ") && l.contains("  built-in  ")),
                r.out());
        assertTrue(r.err().endsWith("no problem\n"), r.err());
    }

    @Test
    void checkFailsWhenATypeIsProvidedTwiceAndNeitherIsUsable() throws Exception {
        Path dir = plugins("dup-a", "dup-b");
        MainTest.Run r = new MainTest.Run("filters", "--check", "--plugins-dir", dir.toString());
        assertEquals(1, r.code, r.err());
        List<String> err = lines(r.err());
        assertTrue(err.get(0).startsWith("ferry: FILTER-REGISTRY(E): Network filter type \"acme.dup\" is provided "
                + "twice: "), r.err());
        assertEquals("ferry: filters --check: 1 problem with the plugins in " + dir + " (above)", err.get(1));
        assertFalse(r.out().contains("acme.dup"), r.out());

        MainTest.Run listing = new MainTest.Run("filters", "--plugins-dir", dir.toString());
        assertEquals(0, listing.code, "without --check the inventory is listed and the problem shown, exit 0");
        assertTrue(listing.err().contains("is provided twice"), listing.err());
    }

    @Test
    void checkFailsOnAPluginWhoseFactoryNeedsAMissingLibraryNamingTheJarAndTheClass() throws Exception {
        Path dir = plugins("missing-dep-late");
        Path jar = dir.resolve("missing-dep-late.jar");
        MainTest.Run r = new MainTest.Run("filters", "--check", "--plugins-dir", dir.toString());
        assertEquals(1, r.code, r.err());
        assertEquals("ferry: FILTER-REGISTRY(E): Plugin com.acme.late.LateProvider (" + jar + ") was not loaded: its "
                + "class com.acme.late.LateFactory needs com.acme.lib.Codec, which is neither in the plugin's location "
                + "nor provided by the host; put the jars it needs next to it in one sub-directory of the plugin "
                + "directory, or shade them into its jar.", lines(r.err()).get(0));

        MainTest.Run failPolicy = new MainTest.Run("filters", "--plugins-dir", dir.toString(),
                "--plugin-failure-policy", "fail");
        assertEquals(1, failPolicy.code, "the fail policy refuses, as start would");
        assertTrue(failPolicy.err().startsWith("ferry: The filter registry found 1 problem and the failure policy is "
                + "fail:"), failPolicy.err());
    }

    @Test
    void startGivesOneLineForAPluginWithAMissingLibrary() throws Exception {
        Path dir = plugins("missing-dep-late");
        MainTest.Run r = new MainTest.Run("start", "-c", config("acme.late").toString(), "--plugins-dir",
                dir.toString());
        assertEquals(1, r.code, r.err());
        assertEquals(1, lines(r.err()).size(), r.err());
        assertTrue(r.err().startsWith("ferry: servers[0].listeners[0].filter_chains[0].filters[0].type: \"acme.late\" "),
                r.err());
        assertTrue(r.err().contains("com.acme.late.LateFactory needs com.acme.lib.Codec"), r.err());
        assertTrue(r.err().contains(dir.resolve("missing-dep-late.jar").toString()), r.err());
    }

    @Test
    void startGivesTheRegistrysLineForAFactoryThatFailsWithALinkageError() throws Exception {
        Path dir = plugins("factory-init");
        MainTest.Run r = new MainTest.Run("start", "-c", config("acme.init").toString(), "--plugins-dir",
                dir.toString());
        assertEquals(1, r.code, r.err());
        assertEquals(List.of("ferry: FILTER-REGISTRY(E): Plugin com.acme.init.InitProvider ("
                + dir.resolve("factory-init.jar") + ") failed to create the factory of servers[0].listeners[0]"
                + ".filter_chains[0].filters[0]: its static initialiser threw java.lang.IllegalStateException: "
                + "acme.init.key is not set; fix the plugin so that loading its class cannot fail."), lines(r.err()),
                "one line, no stack trace");
    }

    private Path config(String type) throws IOException {
        return Files.writeString(tmp.resolve("c.json"), "{\"servers\":[{\"listeners\":[{\"address\":\"127.0.0.1:0\","
                + "\"bind_port\":true,\"filter_chains\":[{\"filters\":[{\"type\":\"" + type + "\"}]}]}]}]}");
    }
}
