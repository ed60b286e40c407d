package io.ferry.cli;

import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.config.ServerConfig;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy with a Kafka dump sink whose broker is a closed port, for five minutes of a clock the test moves:
 * kafka-clients warns at every reconnect attempt, and the log holds each warning once, then once a minute with a
 * count, not a line a second. The producer reconnects every 100 ms at most here (the sink's default is up to 1 s), so
 * the warnings the test needs come in well under a second.
 */
class KafkaClientNoiseIT {

    @TempDir
    Path dir;

    @AfterEach
    void restoreLogging() throws Exception {
        Logging.configure(new ServerConfig("", null, "INFO", Duration.ofSeconds(30), List.of()));
    }

    private String config(int closedPort) {
        return """
                {"servers": [{"default_log_path": "%s", "default_log_level": "INFO", "listeners": [
                   {"name": "ingress", "address": "127.0.0.1:0", "bind_port": true, "filter_chains": [{"filters": [
                     {"type": "tcpcopy", "config": {
                        "strategy": {"switch": "OFF", "interval": 3600, "duration": 10,
                                     "cpu_max_rate": 99.9, "mem_max_rate": 99.9},
                        "dump": {"dir": "%s", "sinks": [{"type": "kafka", "bootstrap_servers": "127.0.0.1:%d",
                                                         "topic": "ferry-dumps",
                                                         "producer": {"reconnect.backoff.ms": 20,
                                                                      "reconnect.backoff.max.ms": 100}}]}}},
                     {"type": "tcp_proxy", "config": {"cluster": "c"}}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "c", "hosts": [{"address": "127.0.0.1:%d"}]}]}}
                """.formatted(dir.resolve("ferry.log"), dir.resolve("dump"), closedPort, closedPort);
    }

    @Test
    void fiveMinutesOfAnUnreachableBrokerLogAHandfulOfLines() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort();
            }
            FerryConfig config = MosnConfigLoader.parse(config(closed), "kafka-down.json");
            Logging.configure(config.server());
            RepeatedLogFilter filter = Logging.repeatedLogFilter();
            AtomicLong clock = new AtomicLong(TimeUnit.SECONDS.toNanos(1));
            filter.setNanoClock(clock::get);
            Path log = dir.resolve("ferry.log");
            try (ProxyServer proxy = ProxyServer.start(config, Plugins.registry(),
                    ProxyOptions.defaults())) {
                await("kafka-clients to warn and repeat itself", () -> filter.droppedTotal() >= 3);
                long firstLines = kafkaLines(log);
                assertTrue(firstLines >= 1 && firstLines <= 3, "each distinct warning once: " + Files.readString(log));

                for (int minute = 1; minute <= 5; minute++) {
                    long before = filter.droppedTotal();
                    await("repeats within minute " + minute, () -> filter.droppedTotal() >= before + 2);
                    clock.addAndGet(TimeUnit.SECONDS.toNanos(61));
                    int expected = minute;
                    await("the summary of minute " + minute, () -> summaries(log) >= expected);
                }
                long lines = kafkaLines(log);
                String text = Files.readString(log);
                assertTrue(lines <= 3 + 5 * 3, "a handful of lines for five minutes, not hundreds: " + lines + "\n" + text);
                assertTrue(text.matches("(?s).*\\[\\d+ more like this in the last 61 s\\] .*"), text);
                assertEquals(0, text.lines().filter(l -> l.contains("KafkaSink")).count(),
                        "the sink itself had nothing to send, so nothing to report: " + text);
                assertTrue(proxy.listeners().containsKey("ingress"));
            }
        });
    }

    private static long kafkaLines(Path log) throws Exception {
        return Files.readAllLines(log).stream().filter(l -> l.contains("NetworkClient") || l.contains("org.apache.kafka")
                || l.contains("Sender") || l.contains("Metadata")).count();
    }

    private static long summaries(Path log) {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.contains("more like this in the last")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
