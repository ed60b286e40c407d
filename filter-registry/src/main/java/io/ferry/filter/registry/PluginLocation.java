package io.ferry.filter.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One entry of the plugin directory, loaded by its own {@link PluginClassLoader}: either a jar, or a sub-directory
 * whose jars (at any depth) and classes (at its top) form one class path.
 *
 * @param path the jar or sub-directory
 * @param jars the jars of the location, sorted; for a jar location, the jar itself
 */
record PluginLocation(Path path, List<Path> jars) {

    /**
     * Lists the locations of {@code dir}, sorted by name. Plain files that are not jars (a README, say) and hidden
     * entries are ignored.
     */
    static List<PluginLocation> list(Path dir) throws IOException {
        List<PluginLocation> out = new ArrayList<>();
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.sorted().toList();
        }
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (name.startsWith(".")) {
                continue;
            }
            if (Files.isDirectory(entry)) {
                out.add(new PluginLocation(entry, jarsUnder(entry)));
            } else if (isJar(entry)) {
                out.add(new PluginLocation(entry, List.of(entry)));
            }
        }
        return out;
    }

    private static List<Path> jarsUnder(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && isJar(p)).sorted().toList();
        }
    }

    private static boolean isJar(Path p) {
        return p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar");
    }

    /**
     * True if the location itself (not its parent) holds a {@code META-INF/services/} file whose name starts with
     * {@code prefix}: a directory's own {@code META-INF/services} or any of its jars'.
     */
    boolean declaresServices(String prefix) {
        String dir = "META-INF/services/";
        if (isDirectory()) {
            try (Stream<Path> s = Files.list(path.resolve(dir))) {
                if (s.anyMatch(p -> p.getFileName().toString().startsWith(prefix))) {
                    return true;
                }
            } catch (IOException e) {
                // no such directory
            }
        }
        for (Path jar : jars) {
            try (java.util.jar.JarFile jf = new java.util.jar.JarFile(jar.toFile())) {
                if (jf.stream().anyMatch(e -> e.getName().startsWith(dir + prefix) && !e.isDirectory())) {
                    return true;
                }
            } catch (IOException e) {
                // an unreadable jar is reported where it is read
            }
        }
        return false;
    }

    boolean isDirectory() {
        return !jars.contains(path);
    }

    /** The class path of this location: a directory's own classes first, then its jars. */
    URL[] urls() {
        List<URL> urls = new ArrayList<>();
        try {
            if (isDirectory()) {
                urls.add(path.toUri().toURL());
            }
            for (Path jar : jars) {
                urls.add(jar.toUri().toURL());
            }
        } catch (MalformedURLException e) {
            throw new UncheckedIOException(e);
        }
        return urls.toArray(URL[]::new);
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
