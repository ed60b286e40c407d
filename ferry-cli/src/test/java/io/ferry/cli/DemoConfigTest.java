package io.ferry.cli;

import com.google.gson.JsonParser;
import io.ferry.proxy.config.AdminConfig;
import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.config.HostConfig;
import io.ferry.proxy.config.MosnConfigLoader;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** examples/configs/demo.json stays the config the jar bundles for {@code ferry demo}, and loads without warnings. */
class DemoConfigTest {

    @Test
    void theDemoConfigIsTheBundledOneAndLoadsWithoutWarnings() throws Exception {
        Path demo = Path.of("..", "examples", "configs", "demo.json");
        try (InputStream in = Demo.class.getResourceAsStream("/demo/demo.json")) {
            assertNotNull(in, "demo/demo.json is bundled");
            assertEquals(JsonParser.parseString(Files.readString(demo)),
                    JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
        FerryConfig c = MosnConfigLoader.load(demo);
        assertEquals(List.of(), c.warnings());
        assertEquals(new AdminConfig("127.0.0.1", 34901), c.admin().orElseThrow());
        assertEquals(2045, c.server().listeners().get(0).port());
        assertEquals(List.of(new HostConfig("127.0.0.1:2046", 1)), c.cluster("echo").orElseThrow().hosts());
    }
}
