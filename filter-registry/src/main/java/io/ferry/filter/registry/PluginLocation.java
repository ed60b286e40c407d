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
