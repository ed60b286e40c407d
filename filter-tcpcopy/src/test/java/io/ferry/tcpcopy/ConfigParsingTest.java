package io.ferry.tcpcopy;

import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.config.Strategy;
import io.ferry.tcpcopy.config.Switch;
import io.ferry.tcpcopy.config.TcpCopyConfig;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigParsingTest {

    private static final String P = "listeners[0].filter_chains[0].filters[0].config";

    private static TcpCopyConfig parse(Map<String, Object> m) throws FilterConfigException {
        return TcpCopyConfig.parse(Harness.filterConfig(m, new EmbeddedEnvironment()));
    }

    private static String error(Map<String, Object> m) {
        return assertThrows(FilterConfigException.class, () -> parse(m)).getMessage();
    }

    @Test
    void layottoConfigWithDefaults() throws Exception {
        TcpCopyConfig c = parse(Map.of("strategy", Fakes.strategy("ON", 30.0, 5.0, 80.0, 70.0)));
        assertEquals(new Strategy(Switch.ON, 30, 5, 80, 70), c.strategy());
        DumpConfig d = c.dump();
        assertEquals(Path.of(System.getProperty("user.home"), "logs", "mosn", "dump"), d.dir());
        assertEquals(64L << 20, d.maxFileSize());
        assertEquals(10, d.maxFiles());
        assertEquals(1L << 30, d.maxTotalSize());
        assertEquals(DumpConfig.Format.LAYOTTO, d.format());
        assertFalse(d.bothDirections());
        assertEquals(4096, d.queueCapacity());
        assertEquals(1L << 20, d.maxBytesPerSecond(), "a capture budget of 1 MiB/s by default");
    }

    @Test
    void captureBudget() throws Exception {
        assertEquals(0, parse(Map.of("dump", Map.of("max_bytes_per_second", 0.0))).dump().maxBytesPerSecond(),
                "0 is unlimited");
        assertEquals(1048576, parse(Map.of("dump", Map.of("max_bytes_per_second", 1048576.0))).dump().maxBytesPerSecond());
        String expected = " (expected: an integer number of bytes per second from 0 (unlimited) to 1099511627776)";
        assertEquals(P + ".dump.max_bytes_per_second: -1" + expected,
                error(Map.of("dump", Map.of("max_bytes_per_second", -1.0))));
        assertEquals(P + ".dump.max_bytes_per_second: 1.5" + expected,
                error(Map.of("dump", Map.of("max_bytes_per_second", 1.5))));
        assertEquals(P + ".dump.max_bytes_per_second: \"4MiB\"" + expected,
                error(Map.of("dump", Map.of("max_bytes_per_second", "4MiB"))));
        assertEquals(P + ".dump.max_bytes_per_second: 2199023255552" + expected,
                error(Map.of("dump", Map.of("max_bytes_per_second", (double) (1L << 41)))));
    }

    @Test
    void noStrategyMeansLayottosDefaultSwitchOff() throws Exception {
        assertEquals(Strategy.DEFAULT, parse(Map.of()).strategy());
    }

    @Test
    void strategyKeyIsCaseSensitiveLikeLayotto() {
        assertEquals(P + ".Strategy: {\"switch\":\"ON\",\"interval\":30,\"duration\":5,\"cpu_max_rate\":80,\"mem_max_rate\":70} "
                        + "(expected: \"strategy\", lower case as in Layotto)",
                error(Map.of("Strategy", Fakes.strategy("ON", 30.0, 5.0, 80.0, 70.0))));
    }

    @Test
    void invalidStrategyStopsStartupWithPath() {
        assertEquals(P + ".strategy.interval: 10 (expected: an integer from 30 to 3600 (seconds))",
                error(Map.of("strategy", Fakes.strategy("ON", 10.0, 5.0, 80.0, 70.0))));
    }

    @Test
    void dumpFields() throws Exception {
        Map<String, Object> dump = new LinkedHashMap<>();
        dump.put("dir", "${user.home}/x/dump");
        dump.put("max_file_size", 1048576.0);
        dump.put("max_files", 3.0);
        dump.put("max_total_size", 4194304.0);
        dump.put("format", "layotto");
        dump.put("directions", "both");
        dump.put("queue_capacity", 16.0);
        DumpConfig d = parse(Map.of("dump", dump)).dump();
        assertEquals(Path.of(System.getProperty("user.home") + "/x/dump"), d.dir());
        assertEquals(new DumpConfig(d.dir(), 1 << 20, 3, 4 << 20, DumpConfig.Format.LAYOTTO, true, 16), d);
        assertTrue(d.bothDirections());
    }

    @Test
    void unknownFormatListsTheAllowedOnes() {
        assertEquals(P + ".dump.format: \"pcap\" (expected: one of \"layotto\", \"ferry\", \"pcapng\")",
                error(Map.of("dump", Map.of("format", "pcap"))));
    }

    @Test
    void connectionSamplingFieldsAndTheirMessages() throws Exception {
        DumpConfig d = parse(Map.of("dump", Map.of("format", "ferry", "sample_percent", 25.0,
                "max_bytes_per_connection", 65536.0))).dump();
        assertEquals(DumpConfig.Format.FERRY, d.format());
        assertEquals(new io.ferry.tcpcopy.config.Sampling(25, 65536), d.sampling());
        assertEquals(io.ferry.tcpcopy.config.Sampling.ALL, parse(Map.of("dump", Map.of())).dump().sampling());
        assertEquals(P + ".dump.sample_percent: 101 (expected: an integer from 0 to 100 (percent of connections))",
                error(Map.of("dump", Map.of("sample_percent", 101.0))));
        assertEquals(P + ".dump.sample_percent: 12.5 (expected: an integer from 0 to 100 (percent of connections))",
                error(Map.of("dump", Map.of("sample_percent", 12.5))));
        assertEquals(P + ".dump.max_bytes_per_connection: -1 (expected: an integer number of bytes, 0 (no limit) or more)",
                error(Map.of("dump", Map.of("max_bytes_per_connection", -1.0))));
        assertEquals(P + ".dump.max_bytes_per_connection: \"1k\" (expected: an integer number of bytes, 0 (no limit) or more)",
                error(Map.of("dump", Map.of("max_bytes_per_connection", "1k"))));
    }

    @Test
    void dumpValidationMessages() {
        assertEquals(P + ".dump.directions: \"outbound\" (expected: \"inbound\" or \"both\")",
                error(Map.of("dump", Map.of("directions", "outbound"))));
        assertEquals(P + ".dump.queue_capacity: 0 (expected: an integer from 1 to 1048576)",
                error(Map.of("dump", Map.of("queue_capacity", 0.0))));
        assertEquals(P + ".dump.max_files: 0 (expected: an integer from 1 to 1000)",
                error(Map.of("dump", Map.of("max_files", 0.0))));
        assertEquals(P + ".dump.max_file_size: 100 (expected: an integer number of bytes, at least 4096)",
                error(Map.of("dump", Map.of("max_file_size", 100.0))));
        assertEquals(P + ".dump.max_total_size: 5000 (expected: an integer number of bytes, at least 8192)",
                error(Map.of("dump", Map.of("max_file_size", 8192.0, "max_total_size", 5000.0))));
        assertEquals(P + ".dump.dir: \"\" (expected: a directory path)", error(Map.of("dump", Map.of("dir", ""))));
        assertEquals(P + ".dump.size: 1 (expected: no such field; dump accepts dir, directions, format, max_buffered_bytes, "
                + "max_bytes_per_connection, max_bytes_per_second, max_file_size, max_files, max_total_size, "
                + "queue_capacity, sample_percent, sinks)", error(Map.of("dump", Map.of("size", 1.0))));
    }
}
