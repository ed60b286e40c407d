package com.example.ferry.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sample filter's own jar, as its module's build left it (the {@code ferry.sample.jar} system property, set by
 * this module's POM), deployed into a fresh plugin directory for a test.
 */
final class SamplePlugin {

    static final String TYPE = "example.deny_prefix";
    static final String PROVIDER_CLASS = "com.example.ferry.DenyPrefixProvider";

    private SamplePlugin() {
    }

    /** The built jar; fails if it is missing, so a build mistake cannot let a test pass. */
    static Path builtJar() {
        String jar = System.getProperty("ferry.sample.jar");
        if (jar == null) {
            throw new AssertionError("ferry.sample.jar is not set: run these tests through Maven");
        }
        Path path = Path.of(jar);
        if (!Files.isRegularFile(path)) {
            throw new AssertionError("The sample filter's jar " + path + " is missing: run `mvn verify`, which"
                    + " packages examples/sample-filter before these tests");
        }
        return path;
    }

    /** Creates {@code parent/plugins} holding a copy of the sample filter's jar, and returns the directory. */
    static Path deployInto(Path parent) throws IOException {
        Path plugins = Files.createDirectories(parent.resolve("plugins"));
        Path jar = builtJar();
        Files.copy(jar, plugins.resolve(jar.getFileName()));
        return plugins;
    }
}
