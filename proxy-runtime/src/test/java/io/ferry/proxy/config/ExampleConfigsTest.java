package io.ferry.proxy.config;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The files under examples/configs at the repository root stay loadable, and demo.json stays the bundled one. */
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

    @Test
    void theDemoConfigIsTheBundledOneAndLoadsWithoutWarnings() throws IOException, ConfigException {
        Path demo = EXAMPLES.resolve("demo.json");
        try (var in = ExampleConfigsTest.class.getResourceAsStream("/demo/demo.json")) {
            assertEquals(JsonParser.parseString(Files.readString(demo)),
                    JsonParser.parseString(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)));
        }
        FerryConfig c = MosnConfigLoader.load(demo);
        assertEquals(List.of(), c.warnings());
        assertEquals(new AdminConfig("127.0.0.1", 34901), c.admin().orElseThrow());
        assertEquals(2045, c.server().listeners().get(0).port());
        assertEquals(List.of(new HostConfig("127.0.0.1:2046", 1)), c.cluster("echo").orElseThrow().hosts());
    }
}
