package io.ferry.filter.registry;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin location (a jar, or a sub-directory of jars and classes): child-first, after Kafka
 * Connect's {@code PluginClassLoader}.
 *
 * <p>Classes of the shared packages ({@link #SHARED_PACKAGES}: the JDK, {@code filter-api}, the dump SPIs and formats
 * of {@code dump-format}, Netty and SLF4J) always come from the parent, so a plugin's provider implements the host's
 * {@code NetworkFilterFactoryProvider} (or {@code DumpSinkProvider}, {@code DumpSource}) even if the plugin bundles
 * its own copy of the API. Every other class is looked up in the location first and in the parent only
 * if the location does not have it, so a plugin's dependencies win over the host's. {@link #getResources} lists the
 * location's resources before the parent's, which is what makes {@code META-INF/services} list the plugin's own
 * providers first.
 *
 * <p>Parallel capable; thread-safe.
 */
final class PluginClassLoader extends URLClassLoader {

    /**
     * Packages (as class-name prefixes) that always load from the parent: the JDK, the filter API, the dump SPIs and
     * the dump formats their signatures use, and the libraries whose types cross between host and plugin (Netty's
     * buffers, SLF4J's loggers).
     */
    static final List<String> SHARED_PACKAGES = List.of("java.", "javax.", "io.ferry.filter.api.",
            "io.ferry.dump.spi.", "io.ferry.dump.format.", "io.netty.", "org.slf4j.");

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final String location;

    PluginClassLoader(String location, URL[] urls, ClassLoader parent) {
        super("ferry-plugin:" + location, urls, parent);
        this.location = location;
    }

    /** The plugin location this loader serves, as shown in messages. */
    String location() {
        return location;
    }

    static boolean isShared(String name) {
        for (String prefix : SHARED_PACKAGES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = findClass(name);
                } catch (ClassNotFoundException notLocal) {
                    c = super.loadClass(name, false);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        URL local = findResource(name);
        return local != null ? local : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        List<URL> all = new ArrayList<>();
        all.addAll(Collections.list(findResources(name)));
        ClassLoader parent = getParent();
        Enumeration<URL> fromParent = parent == null ? ClassLoader.getSystemResources(name) : parent.getResources(name);
        all.addAll(Collections.list(fromParent));
        return Collections.enumeration(all);
    }

    @Override
    public String toString() {
        return "PluginClassLoader[" + location + "]";
    }
}
