package io.ferry.proxy.tcpproxy;

import io.ferry.filter.api.ReadFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tcp_proxy} is code a third party could have written: its package compiles against {@code filter-api} and
 * SLF4J alone (no runtime class, no Netty), and imports nothing else.
 */
class TcpProxyIsThirdPartyCodeTest {

    private static final Path SOURCES = Path.of("src", "main", "java", "io", "ferry", "proxy", "tcpproxy");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    /** A qualified name of a runtime package anywhere in the code (imports, fully qualified references). */
    private static final Pattern RUNTIME_NAME = Pattern.compile(
            "\\b(io\\.netty|io\\.ferry\\.filter\\.chain|io\\.ferry\\.filter\\.api\\.internal|io\\.ferry\\.proxy\\."
                    + "(?!tcpproxy\\b)\\w+)\\b");

    private static List<Path> sources() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
            assertTrue(files.size() >= 6, "tcp_proxy's sources under " + SOURCES.toAbsolutePath() + ": " + files);
            return files;
        }
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Compiles {@code files} with only filter-api and slf4j-api on the class path; returns the errors. */
    private static List<String> compileAgainstApiAlone(List<Path> files, Path out) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK compiler (the tests run on a JDK)");
        String classPath = location(ReadFilter.class) + File.pathSeparator + location(org.slf4j.Logger.class);
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            boolean ok = javac.getTask(null, fm, diagnostics, List.of("--release", "17", "-proc:none", "-classpath",
                    classPath, "-d", out.toString()), null, fm.getJavaFileObjectsFromPaths(files)).call();
            List<String> errors = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> d.getSource().getName() + ":" + d.getLineNumber() + ": " + d.getMessage(null))
                    .collect(Collectors.toList());
            if (!ok && errors.isEmpty()) {
                errors.add("the compiler failed without an error diagnostic");
            }
            return errors;
        }
    }

    @Test
    void itsPackageCompilesAgainstFilterApiAndSlf4jAlone(@TempDir Path out) throws Exception {
        List<String> errors = compileAgainstApiAlone(sources(), out);
        assertEquals(List.of(), errors, "tcp_proxy must compile against filter-api and SLF4J alone");
        assertTrue(Files.exists(out.resolve("io/ferry/proxy/tcpproxy/TcpProxyFilter.class")));
    }

    @Test
    void itImportsOnlyTheApiTheJdkAndSlf4j() throws IOException {
        List<String> offending = new ArrayList<>();
        for (Path p : sources()) {
            String code = Files.readString(p);
            Matcher m = IMPORT.matcher(code);
            while (m.find()) {
                String name = m.group(2);
                if (!(name.startsWith("io.ferry.filter.api.") && !name.startsWith("io.ferry.filter.api.internal."))
                        && !name.startsWith("java.") && !name.startsWith("org.slf4j.")) {
                    offending.add(p.getFileName() + ": import " + name);
                }
            }
            Matcher r = RUNTIME_NAME.matcher(code);
            while (r.find()) {
                offending.add(p.getFileName() + ": mentions " + r.group(1));
            }
        }
        assertEquals(List.of(), offending, "tcp_proxy may use filter-api (not its internal package), the JDK and "
                + "SLF4J only");
    }

    /** The check can fail: a source that reaches into the runtime does not compile with that class path. */
    @Test
    void aSourceUsingTheRuntimeDoesNotCompileThatWay(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("Cheat.java");
        Files.writeString(src, "package io.ferry.proxy.tcpproxy;\n"
                + "final class Cheat { io.ferry.filter.chain.ChainConnection c; io.ferry.proxy.cluster.Cluster k; }\n");
        List<String> errors = compileAgainstApiAlone(List.of(src), dir.resolve("out"));
        assertFalse(errors.isEmpty());
        assertTrue(RUNTIME_NAME.matcher(Files.readString(src)).find());
    }
}
