package io.ferry.proxy.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The files under examples/configs at the repository root stay loadable (ferry-cli's DemoConfigTest checks that
 * demo.json stays the one its jar bundles).
 */
class ExampleConfigsTest {

    static final Path EXAMPLES = Path.of("..", "examples", "configs");

    @Test
    void everyExampleConfigLoads() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path f : files) {
            FerryConfig c = MosnConfigLoader.load(f);
            assertEquals(1, c.server().listeners().size(), f.toString());
            assertEquals("127.0.0.1", c.server().listeners().get(0).host(), f + ": examples listen on loopback only");
        }
    }
}
