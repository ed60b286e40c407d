package io.ferry.filter.registry;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Finds, before any traffic, the classes a plugin's own code refers to that its class loader cannot find: a plugin
 * whose provider loads but whose factory needs a library that was left out would otherwise pass the scan and fail
 * with a {@code NoClassDefFoundError} when the factory is created or at the first connection.
 *
 * <p>It reads the constant pool of every class file in the jar (or classes directory) that holds the provider, takes
 * the classes it names ({@code CONSTANT_Class}: what {@code new}, a static call, a cast, a field or a superclass
 * resolve), and looks each one up as a resource through the plugin's loader (its location first, then the host).
 * The libraries next to the plugin are not read: their own optional dependencies are theirs. No plugin code runs.
 * Stateless.
 */
final class LinkCheck {

    private LinkCheck() {
    }

    /**
     * The classes referred to by the classes in {@code codeSource} that {@code loader} cannot find, each with the
     * first class (by name) that refers to it; sorted by missing class. Empty if all resolve or the code source cannot
     * be read (a reading problem is reported elsewhere).
     */
    static Map<String, String> missing(Path codeSource, ClassLoader loader) {
        Map<String, String> out = new TreeMap<>();
        Map<String, byte[]> classes = readClasses(codeSource);
        for (Map.Entry<String, byte[]> c : new TreeMap<>(classes).entrySet()) {
            for (String ref : classNames(c.getValue())) {
                if (out.containsKey(ref) || classes.containsKey(ref)) {
                    continue;
                }
                if (loader.getResource(ref.replace('.', '/') + ".class") == null) {
                    out.put(ref, c.getKey());
                }
            }
        }
        return out;
    }

    /** Class name to class file bytes, for a jar or a directory of classes. */
    private static Map<String, byte[]> readClasses(Path codeSource) {
        Map<String, byte[]> out = new TreeMap<>();
        try {
            if (Files.isDirectory(codeSource)) {
                try (Stream<Path> s = Files.walk(codeSource)) {
                    for (Path p : s.filter(f -> f.toString().endsWith(".class")).toList()) {
                        String rel = codeSource.relativize(p).toString().replace('\\', '/');
                        add(out, rel, Files.readAllBytes(p));
                    }
                }
            } else if (Files.isRegularFile(codeSource)) {
                try (JarFile jar = new JarFile(codeSource.toFile())) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        JarEntry e = entries.nextElement();
                        if (!e.isDirectory() && e.getName().endsWith(".class")) {
                            try (InputStream in = jar.getInputStream(e)) {
                                add(out, e.getName(), in.readAllBytes());
                            }
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return out;
    }

    private static void add(Map<String, byte[]> out, String path, byte[] bytes) {
        if (path.startsWith("META-INF/") || path.endsWith("module-info.class")
                || path.endsWith("package-info.class")) {
            return; // versioned copies and descriptors: not classes the plugin's loader serves by this name
        }
        out.put(path.substring(0, path.length() - ".class".length()).replace('/', '.'), bytes);
    }

    /** The class names in the {@code CONSTANT_Class} entries of a class file (array element types included). */
    static List<String> classNames(byte[] classFile) {
        List<String> names = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(classFile))) {
            if (in.readInt() != 0xCAFEBABE) {
                return names;
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            List<Integer> classRefs = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classRefs.add(in.readUnsignedShort());
                    case 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    default -> {
                        return names; // not a class file this reader understands: check nothing rather than guess
                    }
                }
            }
            TreeSet<String> seen = new TreeSet<>();
            for (int ref : classRefs) {
                String n = ref > 0 && ref < count ? utf8[ref] : null;
                if (n == null) {
                    continue;
                }
                while (n.startsWith("[")) {
                    n = n.substring(1);
                }
                if (n.length() == 1) {
                    continue; // an array of a primitive type
                }
                if (n.startsWith("L") && n.endsWith(";")) {
                    n = n.substring(1, n.length() - 1);
                }
                if (seen.add(n)) {
                    names.add(n.replace('/', '.'));
                }
            }
        } catch (IOException e) {
            return names;
        }
        return names;
    }
}
