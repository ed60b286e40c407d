package io.ferry.cli;

import io.ferry.dump.spi.DumpSource;
import io.ferry.filter.registry.Extension;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.filter.registry.RegistryException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The default plugin directory the build assembles ({@code target/plugins}, with {@code dump-kafka/}), as the tests
 * get it from the build ({@code -Dferry.plugins.dir}); the Kafka sink and source are not on the tests' class path, so
 * the tests reach them only the way {@code ./ferry} does.
 */
final class Plugins {

    private Plugins() {
    }

    /** The directory; fails if the build did not assemble it. */
    static Path dir() {
        String dir = System.getProperty(Main.PLUGINS_DIR_PROPERTY);
        if (dir == null || !Files.isDirectory(Path.of(dir, "dump-kafka"))) {
            throw new AssertionError("no plugin directory with dump-kafka at " + dir
                    + " (the build copies dump-kafka/target/plugin there; run the tests through Maven)");
        }
        return Path.of(dir);
    }

    /** The dump sources {@code ferry dump} gets: the class path's and the plugin directory's. */
    static List<DumpSource> dumpSources() {
        return registry().extensions(DumpSource.class).stream().map(Extension::instance).toList();
    }

    /** A registry of the class path and the default plugin directory, as {@code ferry start} builds it. */
    static FilterRegistry registry() {
        try {
            return FilterRegistry.builder().pluginsDir(dir()).build();
        } catch (RegistryException e) {
            throw new AssertionError(e);
        }
    }
}
