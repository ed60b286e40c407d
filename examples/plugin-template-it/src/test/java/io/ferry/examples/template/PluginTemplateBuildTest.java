package io.ferry.examples.template;

import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.filter.registry.ProviderInfo;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code examples/plugin-template} is built the way a third party builds a plugin: a copy of the directory, its own
 * {@code pom.xml} (no parent from this repository, Ferry's versions from {@code ferry-bom}), {@code mvn verify} with
 * the Maven running this build, offline. Its private local repository (under {@code target/}) holds this build's
 * Ferry artifacts, copied from the modules' poms and jars; everything else (JUnit, Netty, Maven's plugins) is read as
 * releases from this build's own local repository through a {@code file:} mirror, so the test needs nothing that
 * this build did not download, and never sees a Ferry artifact installed in the local repository by another build.
 */
class PluginTemplateBuildTest {

    private static final List<String> FERRY_JARS = List.of("filter-api", "filter-chain", "filter-registry",
            "filter-testkit");

    private static Path root;
    private static Path work;
    private static String version;
    private static Process build;
    private static String output;

    @BeforeAll
    static void buildTheTemplate() throws Exception {
        root = Path.of(property("ferry.root")).toRealPath();
        version = property("ferry.version");
        Path target = root.resolve("examples/plugin-template-it/target");
        work = target.resolve("template-build");
        deleteTree(work);
        Path project = work.resolve("project");
        copyTree(root.resolve("examples/plugin-template"), project);
        Path repo = work.resolve("repository");
        seed(repo);
        Path settings = Files.writeString(work.resolve("settings.xml"), settings(Path.of(
                property("ferry.outer.repository")).toRealPath()));

        Path mvn = Path.of(property("ferry.maven.home"), "bin", "mvn");
        List<String> cmd = List.of(mvn.toString(), "-B", "-o", "-Daether.offline.protocols=file",
                "-Dmaven.repo.local=" + repo, "-s", settings.toString(), "-Dferry.version=" + version, "verify");
        Path log = work.resolve("build.log");
        build = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!build.waitFor(8, TimeUnit.MINUTES)) {
            build.destroyForcibly();
            throw new AssertionError("the template's build did not finish in 8 minutes; see " + log);
        }
        output = Files.readString(log, StandardCharsets.UTF_8);
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        assertNotNull(v, "system property " + name + " (set by this module's surefire configuration)");
        return v;
    }

    @Test
    void theTemplateBuildsAndPassesTheContractKit() throws IOException {
        assertEquals(0, build.exitValue(), "mvn verify of the template failed:\n" + tail(output));
        assertTrue(output.contains("BUILD SUCCESS"), tail(output));
        Path reports = work.resolve("project/target/surefire-reports");
        String contract = Files.readString(reports.resolve("TEST-com.example.plugin.MaxBytesContractTest.xml"));
        Matcher m = Pattern.compile("tests=\"(\\d+)\" errors=\"(\\d+)\" skipped=\"(\\d+)\" failures=\"(\\d+)\"")
                .matcher(contract);
        assertTrue(m.find(), contract.substring(0, Math.min(400, contract.length())));
        assertTrue(Integer.parseInt(m.group(1)) >= 20, "the kit ran its rules: " + m.group());
        assertEquals("0", m.group(2), m.group());
        assertEquals("0", m.group(4), m.group());
        assertTrue(contract.contains("required_r4_3_timersTouchTheConnectionOnlyOnItsThread"), "the kit of this build");
    }

    @Test
    void theTemplateInheritsNothingFromThisRepository() throws IOException {
        String pom = Files.readString(root.resolve("examples/plugin-template/pom.xml")).replaceAll("(?s)<!--.*?-->", "");
        assertFalse(pom.contains("<parent>"), "the template has no parent");
        assertTrue(pom.contains("<artifactId>ferry-bom</artifactId>") && pom.contains("<scope>import</scope>"),
                "the template imports the BOM");
        assertFalse(pom.contains("relativePath") || pom.contains("../"), "the template reaches no file outside it");
    }

    @Test
    void theTemplatePinsThePluginVersionsThisBuildUses() throws IOException {
        // the template builds offline from this build's local repository: its plugins must be the ones used here
        String template = Files.readString(root.resolve("examples/plugin-template/pom.xml"));
        String parent = Files.readString(root.resolve("pom.xml"));
        for (String plugin : List.of("clean", "resources", "compiler", "jar", "dependency", "install")) {
            Matcher t = Pattern.compile("<" + plugin + "\\.plugin\\.version>([^<]+)<").matcher(template);
            Matcher p = Pattern.compile("<artifactId>maven-" + plugin + "-plugin</artifactId>\\s*<version>([^<]+)<")
                    .matcher(parent);
            assertTrue(t.find() && p.find(), plugin);
            assertEquals(p.group(1), t.group(1), "maven-" + plugin + "-plugin: the template and ferry-parent differ");
        }
        Matcher surefire = Pattern.compile("<surefire.version>([^<]+)<").matcher(parent);
        assertTrue(surefire.find());
        assertTrue(template.contains("<surefire.plugin.version>" + surefire.group(1) + "<"), "surefire");
    }

    @Test
    void theBomManagesTheVersionsThisBuildUses() throws IOException {
        String bom = Files.readString(root.resolve("ferry-bom/pom.xml"));
        String parent = Files.readString(root.resolve("pom.xml"));
        for (String property : List.of("junit.version", "slf4j.version")) {
            Matcher b = Pattern.compile("<" + Pattern.quote(property) + ">([^<]+)<").matcher(bom);
            Matcher p = Pattern.compile("<" + Pattern.quote(property) + ">([^<]+)<").matcher(parent);
            assertTrue(b.find() && p.find(), property);
            assertEquals(p.group(1), b.group(1), property + ": ferry-bom and ferry-parent differ");
        }
        assertTrue(bom.contains("<version>" + version + "</version>"), "ferry-bom has the project's version");
    }

    @Test
    void theTemplateLaysOutAPluginDirectoryThatTheRegistryLoads() throws Exception {
        assertEquals(0, build.exitValue(), tail(output));
        Path plugins = work.resolve("project/target/plugin");
        Path location = plugins.resolve("ferry-plugin-template");
        Path jar = location.resolve("ferry-plugin-template-1.0.0-SNAPSHOT.jar");
        assertTrue(Files.isRegularFile(jar), "the plugin's jar in its plugin-directory location");
        try (Stream<Path> s = Files.walk(location)) {
            List<String> names = s.filter(Files::isRegularFile).map(p -> location.relativize(p).toString()).toList();
            assertEquals(List.of("ferry-plugin-template-1.0.0-SNAPSHOT.jar"), names,
                    "no runtime dependency, and neither filter-api nor slf4j-api (provided) nor the kit (test)");
        }
        FilterRegistry registry = FilterRegistry.builder().pluginsDir(plugins).build();
        assertEquals(List.of(), registry.problems());
        ProviderInfo info = registry.providers().stream().filter(p -> p.type().equals("example.max_bytes"))
                .findFirst().orElseThrow();
        assertEquals("example.max_bytes  1.0.0-SNAPSHOT  plugin  " + jar, info.inventoryLine());
        NetworkFilterFactoryProvider provider = registry.require("example.max_bytes", "filters[0]");
        assertNotEquals(getClass().getClassLoader(), provider.getClass().getClassLoader());
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().provider(provider).config("{\"max_bytes\": 4}")
                .build();
        chain.writeInbound("1234");
        assertEquals("1234", chain.readInboundString());
        chain.writeInbound("5");
        assertTrue(chain.isClosed(), "the plugin, loaded from its directory, closes past its limit");
        chain.finish();
    }

    // ------------------------------------------------------------------ the private repository

    /** This build's Ferry artifacts, as a local repository holds them: the parent, the BOM, the jars with poms. */
    private static void seed(Path repo) throws IOException {
        install(repo, "ferry-parent", root.resolve("pom.xml"), null);
        install(repo, "ferry-bom", root.resolve("ferry-bom/pom.xml"), null);
        for (String module : FERRY_JARS) {
            Path jar = root.resolve(module).resolve("target").resolve(module + "-" + version + ".jar");
            assertTrue(Files.isRegularFile(jar), jar + " (built earlier in this reactor)");
            install(repo, module, root.resolve(module).resolve("pom.xml"), jar);
        }
    }

    private static void install(Path repo, String artifact, Path pom, Path jar) throws IOException {
        Path dir = repo.resolve("io/ferry").resolve(artifact).resolve(version);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifact + "-" + version + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Every repository, Maven Central and any a pom names, mirrored to {@code outer} read as a {@code file:}
     * repository with Central's policy (releases only): snapshots, Ferry's, come only from the private repository.
     */
    private static String settings(Path outer) {
        return String.join("\n",
                "<settings>",
                "  <mirrors><mirror>",
                "    <id>this-build</id><mirrorOf>*</mirrorOf><url>" + outer.toUri() + "</url>",
                "  </mirror></mirrors>",
                "</settings>", "");
    }

    // ------------------------------------------------------------------ files

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path rel = from.relativize(p);
                if (rel.toString().equals("target") || rel.startsWith("target")) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(s.toList());
            all.sort((a, b) -> b.getNameCount() - a.getNameCount());
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        Map<Integer, String> keep = new TreeMap<>();
        for (int i = Math.max(0, lines.size() - 60); i < lines.size(); i++) {
            keep.put(i, lines.get(i));
        }
        return String.join("\n", keep.values());
    }
}
