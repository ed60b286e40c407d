package io.ferry.filter.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a plugin can reach in filter-api: plugins are compiled here, at test time, against this module's classes,
 * on the class path (as a Maven plugin build does) and as a named module.
 */
class EncapsulationTest {

    private static final Set<String> API_PACKAGES = Set.of("io.ferry.filter.api", "io.ferry.filter.api.admin",
            "io.ferry.filter.api.metrics", "io.ferry.filter.api.spi", "io.ferry.filter.api.upstream");

    @TempDir
    Path tmp;

    private static Path apiClasses() {
        try {
            return Path.of(FilterApi.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Compiles {@code sources} (path, text, path, text, ...) with javac, the API on the class path or on the module
     * path; returns javac's error messages (empty if it compiled).
     */
    private List<String> compile(boolean modular, String... sources) throws IOException {
        Path src = tmp.resolve("src");
        List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-Xdiags:verbose",
                "-d", tmp.resolve("out").toString(), modular ? "--module-path" : "-classpath",
                apiClasses().toString()));
        for (int i = 0; i < sources.length; i += 2) {
            Path f = src.resolve(sources[i]);
            Files.createDirectories(f.getParent());
            Files.writeString(f, sources[i + 1]);
            args.add(f.toString());
        }
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(
                () -> new AssertionError("these tests need a JDK (no javac)"));
        StringWriter out = new StringWriter();
        int code;
        try (PrintWriter w = new PrintWriter(out)) {
            code = javac.run(w, w, args.toArray(String[]::new));
        }
        List<String> errors = out.toString().lines().filter(l -> l.contains(": error: "))
                .map(l -> l.substring(l.indexOf(": error: ") + 9)).collect(Collectors.toList());
        assertEquals(code != 0, !errors.isEmpty(), out.toString());
        return errors;
    }

    private static final String PLUGIN_REACHING_THE_HEAP_BUFFER = String.join("\n",
            "package com.acme.sneaky;",
            "import io.ferry.filter.api.IoBuffer;",
            "public class Sneaky {",
            "    public static byte[] backingArray(IoBuffer b) {",
            "        return ((io.ferry.filter.api.HeapIoBuffer) b).array();",
            "    }",
            "}");

    @Test
    void aPluginThatReachesTheHeapBufferDoesNotCompileOnTheClassPath() throws IOException {
        List<String> errors = compile(false, "com/acme/sneaky/Sneaky.java", PLUGIN_REACHING_THE_HEAP_BUFFER);
        assertTrue(errors.stream().anyMatch(e -> e.equals("HeapIoBuffer is not public in io.ferry.filter.api; "
                + "cannot be accessed from outside package")), errors.toString());
    }

    @Test
    void aPluginThatReachesTheHeapBufferDoesNotCompileAsAModule() throws IOException {
        List<String> errors = compile(true,
                "module-info.java", "module com.acme.sneaky { requires io.ferry.filter.api; }",
                "com/acme/sneaky/Sneaky.java", PLUGIN_REACHING_THE_HEAP_BUFFER);
        assertTrue(errors.stream().anyMatch(e -> e.contains("HeapIoBuffer is not public")), errors.toString());
    }

    @Test
    void theFormerInternalPackageIsGone() throws IOException {
        List<String> errors = compile(false, "com/acme/old/Old.java", String.join("\n",
                "package com.acme.old;",
                "public class Old { Object o = new io.ferry.filter.api.internal.LocalMetricRegistry(); }"));
        assertTrue(errors.stream().anyMatch(e -> e.contains("package io.ferry.filter.api.internal does not exist")),
                errors.toString());
    }

    @Test
    void aModularPluginUsingTheApiCompiles() throws IOException {
        List<String> errors = compile(true,
                "module-info.java", String.join("\n",
                        "module com.acme.echo {",
                        "    requires io.ferry.filter.api;",
                        "    provides io.ferry.filter.api.spi.NetworkFilterFactoryProvider with com.acme.echo.Echo;",
                        "}"),
                "com/acme/echo/Echo.java", String.join("\n",
                        "package com.acme.echo;",
                        "import io.ferry.filter.api.*;",
                        "import io.ferry.filter.api.spi.*;",
                        "public class Echo implements NetworkFilterFactoryProvider {",
                        "    public String type() { return \"acme.echo\"; }",
                        "    public String apiVersion() { return FilterApi.VERSION; }",
                        "    public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {",
                        "        int max = config.getInt(\"max\", 10);",
                        "        IoBuffer greeting = IoBuffer.wrap(new byte[max]);",
                        "        return (ctx, cb) -> cb.addReadFilter(buffer -> FilterStatus.CONTINUE);",
                        "    }",
                        "}"));
        assertEquals(List.of(), errors);
    }

    @Test
    void theModuleExportsExactlyTheApiPackagesAndEveryPublicClassIsInOne() throws IOException {
        ModuleDescriptor d = ModuleFinder.of(apiClasses()).find("io.ferry.filter.api").orElseThrow().descriptor();
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(API_PACKAGES), exported);
        assertEquals(exported, new TreeSet<>(d.packages()), "filter-api has no package it does not export");
        assertEquals(Set.of("java.base"), d.requires().stream().map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet()), "filter-api depends on nothing");
        Set<String> publicOutside = new TreeSet<>();
        try (Stream<Path> s = Files.walk(apiClasses())) {
            for (Path p : s.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = apiClasses().relativize(p).toString().replace('/', '.').replace(".class", "");
                if (name.equals("module-info")) {
                    continue;
                }
                Class<?> c;
                try {
                    c = Class.forName(name, false, getClass().getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new AssertionError(e);
                }
                if (Modifier.isPublic(c.getModifiers()) && !API_PACKAGES.contains(c.getPackageName())) {
                    publicOutside.add(name);
                }
            }
        }
        assertEquals(Set.of(), publicOutside);
    }
}
