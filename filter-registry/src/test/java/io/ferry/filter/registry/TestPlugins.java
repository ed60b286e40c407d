package io.ferry.filter.registry;

import io.ferry.filter.api.FilterApi;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Builds real plugin jars at test time from the sources under {@code src/test/resources/test-plugins/<name>/}, after
 * Kafka Connect's {@code TestPlugins}: the {@code .java} files are compiled with {@code javax.tools} against the test
 * class path (which has {@code filter-api}), and jarred with the fixture's other files ({@code META-INF/services}).
 *
 * <p>A fixture may have a {@code fixture.properties}: {@code version} (the manifest's {@code Implementation-Version},
 * default {@code 1.0.0}), {@code exclude} (a class-file path prefix compiled but left out of the jar, to make a
 * missing dependency), {@code bundleApi=true} (copy the host's {@code filter-api} classes into the jar).
 *
 * <p>Each fixture is compiled once per JVM and copied to every target. A fixture that does not compile throws
 * {@link AssertionError} with the compiler's diagnostics, and every jar is checked by {@link #assertAvailable}, so a
 * broken fixture can never let a test pass by accident.
 *
 * <p>Public, and shipped in this module's test jar, so that other modules' tests (the CLI's) build the same broken
 * plugins; the fixtures are then read out of that jar.
 */
public final class TestPlugins {

    private static final String SERVICE_FILE =
            "META-INF/services/io.ferry.filter.api.spi.NetworkFilterFactoryProvider";

    private TestPlugins() {
    }

    /** Builds fixture {@code name} into the jar {@code target} (parents created), without its excluded classes. */
    public static Path jar(String name, Path target) {
        return build(name, target, false);
    }

    /** Builds only the excluded classes of fixture {@code name} into {@code target}: the "missing" library. */
    public static Path excludedJar(String name, Path target) {
        return build(name, target, true);
    }

    /** Fails with the compiler's diagnostics unless {@code jar} holds a service file: the fixture guard. */
    public static void assertAvailable(Path jar) {
        try (FileSystem fs = FileSystems.newFileSystem(jar)) {
            if (!Files.exists(fs.getPath(SERVICE_FILE))) {
                throw new AssertionError("Test plugin " + jar + " has no " + SERVICE_FILE);
            }
        } catch (IOException e) {
            throw new AssertionError("Test plugin " + jar + " is not a readable jar", e);
        }
    }

    /** Jars already built in this JVM, by fixture (and part): each fixture is compiled once, then copied. */
    private static final Map<String, Path> BUILT = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Path CACHE;

    static {
        try {
            CACHE = Files.createTempDirectory("ferry-test-plugins");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                deleteTree(CACHE);
            } catch (IOException ignored) {
                // best effort
            }
        }));
    }

    private static Path build(String name, Path target, boolean onlyExcluded) {
        String key = onlyExcluded ? name + "-excluded" : name;
        Path built = BUILT.computeIfAbsent(key, k -> compileAndJar(name, CACHE.resolve(k + ".jar"), onlyExcluded));
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.copy(built, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!onlyExcluded) {
            assertAvailable(target);
        }
        return target;
    }

    private static Path compileAndJar(String name, Path target, boolean onlyExcluded) {
        Path src = fixtureDir(name);
        Properties props = properties(src);
        String exclude = props.getProperty("exclude");
        try {
            Path classes = Files.createTempDirectory("ferry-test-plugin-" + name);
            try {
                compile(name, src, classes);
                Map<String, Path> entries = new TreeMap<>();
                if (!onlyExcluded) {
                    collect(src, src, entries, p -> !p.endsWith(".java") && !p.equals("fixture.properties"));
                }
                collect(classes, classes, entries,
                        p -> exclude == null || onlyExcluded == p.startsWith(exclude));
                if (!onlyExcluded && Boolean.parseBoolean(props.getProperty("bundleApi"))) {
                    Path api = classPathRootOf(FilterApi.class);
                    if (Files.isDirectory(api)) {
                        collect(api, api, entries, p -> p.startsWith("io/ferry/filter/api/"));
                    } else {
                        try (FileSystem fs = FileSystems.newFileSystem(api)) {
                            Path root = fs.getPath("/");
                            Path copy = classes.resolve("bundled-api");
                            for (Path p : Files.walk(root.resolve("io/ferry/filter/api")).filter(Files::isRegularFile)
                                    .toList()) {
                                Path dest = copy.resolve(root.relativize(p).toString());
                                Files.createDirectories(dest.getParent());
                                Files.copy(p, dest);
                            }
                            collect(copy, copy, entries, p -> true);
                        }
                    }
                }
                writeJar(target, entries, props.getProperty("version", "1.0.0"), name);
            } finally {
                deleteTree(classes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    private static Path fixtureDir(String name) {
        URL url = TestPlugins.class.getResource("/test-plugins/" + name);
        if (url == null) {
            throw new AssertionError("No test plugin sources at test-plugins/" + name);
        }
        try {
            if (!url.getProtocol().equals("jar")) {
                return Path.of(url.toURI());
            }
            // read from this module's test jar (another module's test): copy the fixture out
            Path out = CACHE.resolve("src").resolve(name);
            if (!Files.isDirectory(out)) {
                try (FileSystem fs = FileSystems.newFileSystem(url.toURI(), Map.of())) {
                    Path root = fs.getPath("/test-plugins/" + name);
                    try (Stream<Path> s = Files.walk(root)) {
                        for (Path p : s.filter(Files::isRegularFile).toList()) {
                            Path dest = out.resolve(root.relativize(p).toString());
                            Files.createDirectories(dest.getParent());
                            Files.copy(p, dest);
                        }
                    }
                }
            }
            return out;
        } catch (URISyntaxException | IOException e) {
            throw new AssertionError("Test plugin sources at " + url + " cannot be read", e);
        }
    }

    private static Properties properties(Path src) {
        Properties p = new Properties();
        Path f = src.resolve("fixture.properties");
        if (Files.exists(f)) {
            try (InputStream in = Files.newInputStream(f)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }

    private static void compile(String name, Path src, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new AssertionError("Test plugins need a JDK (no system Java compiler)");
        }
        List<Path> sources;
        try (Stream<Path> s = Files.walk(src)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, null)) {
            List<String> options = List.of("--release", "17", "-proc:none", "-nowarn",
                    "-classpath", System.getProperty("java.class.path"), "-d", out.toString());
            boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(sources))
                    .call();
            if (!ok) {
                StringBuilder sb = new StringBuilder("Test plugin " + name + " does not compile:");
                for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                    sb.append("\n  ").append(d);
                }
                throw new AssertionError(sb.toString());
            }
        }
    }

    private interface PathFilter {
        boolean accept(String relative);
    }

    private static void collect(Path root, Path dir, Map<String, Path> entries, PathFilter filter) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                if (filter.accept(rel)) {
                    entries.put(rel, p);
                }
            }
        }
    }

    private static Path classPathRootOf(Class<?> cls) {
        try {
            return Path.of(cls.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private static void writeJar(Path target, Map<String, Path> entries, String version, String title)
            throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_TITLE, title);
        mf.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
        Files.createDirectories(target.toAbsolutePath().getParent());
        try (OutputStream os = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(os, mf)) {
            List<String> dirs = new ArrayList<>();
            for (Map.Entry<String, Path> e : entries.entrySet()) {
                String name = e.getKey();
                for (int i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
                    String dir = name.substring(0, i + 1);
                    if (!dirs.contains(dir)) {
                        dirs.add(dir);
                        jar.putNextEntry(new JarEntry(dir));
                        jar.closeEntry();
                    }
                }
                jar.putNextEntry(new JarEntry(name));
                Files.copy(e.getValue(), jar);
                jar.closeEntry();
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
