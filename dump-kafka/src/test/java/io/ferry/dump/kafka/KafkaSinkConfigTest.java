package io.ferry.dump.kafka;

import io.ferry.dump.spi.SinkConfig;
import io.ferry.dump.spi.SinkConfigException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KafkaSinkConfigTest {

    private static final String BASE = "dump.sinks";

    private static Map<String, Object> sink(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "kafka");
        m.put("bootstrap_servers", "127.0.0.1:9092");
        m.put("topic", "ferry-dumps");
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String error(Map<String, Object> sink) {
        return assertThrows(SinkConfigException.class, () -> Sinks.validated(sink)).getMessage();
    }

    @Test
    void foundThroughServiceLoaderAndProducerSettingsMapped() throws Exception {
        SinkConfig spec = Sinks.validated(sink("instance_id", "p1", "compression_type", "zstd", "acks", 1,
                "linger_ms", 7, "producer", Map.of("security.protocol", "SSL")));
        KafkaSinkConfig c = KafkaSinkConfig.parse(spec);
        Map<String, Object> p = c.producerProps();
        assertEquals("kafka", spec.name());
        assertEquals("p1", c.instanceId());
        assertEquals("0", p.get("max.block.ms"), "the producer never blocks the sink");
        assertEquals("zstd", p.get("compression.type"));
        assertEquals("1", p.get("acks"));
        assertEquals("false", p.get("enable.idempotence"), "idempotence defaults off unless acks is all");
        assertEquals("7", p.get("linger.ms"));
        assertEquals("SSL", p.get("security.protocol"));
        assertEquals("33554432", p.get("buffer.memory"));
    }

    @Test
    void errorsNameThePathTheValueAndWhatIsExpected() {
        assertEquals(BASE + "[0].acks: \"2\" (expected: 0, 1 or \"all\")", error(sink("acks", "2")));
        Map<String, Object> noTopic = sink();
        noTopic.remove("topic");
        assertEquals(BASE + "[0].topic: missing (expected: a Kafka topic name)", error(noTopic));
        assertEquals(BASE + "[0].bootstrap_servers: \"kafka\" (expected: host:port[,host:port...] of the Kafka brokers)",
                error(sink("bootstrap_servers", "kafka")));
        assertEquals(BASE + "[0].producer.max.block.ms: \"60000\" (expected: not set here: the sink never blocks "
                + "(max.block.ms is 0) and writes bytes)", error(sink("producer", Map.of("max.block.ms", "60000"))));
        assertEquals(BASE + "[0].producer.no.such: \"1\" (expected: a Kafka producer setting, e.g. security.protocol, "
                + "ssl.truststore.location, sasl.mechanism (a plugin's own keys need their prefix in plugin_key_prefixes))",
                error(sink("producer", Map.of("no.such", "1"))));
        assertEquals(BASE + "[0].enable_idempotence: true (expected: false when acks is 0 (idempotence needs acks \"all\"))",
                error(sink("acks", "0", "enable_idempotence", true)));
        assertEquals(BASE + "[0].compression_type: \"brotli\" (expected: one of [none, gzip, snappy, lz4, zstd])",
                error(sink("compression_type", "brotli")));
    }

    @Test
    void theSinkDeclaresKafkaClientsPasswordSettingsSecret() {
        java.util.Set<String> secret = new KafkaSinkProvider().secretFields();
        for (String k : List.of("sasl.jaas.config", "ssl.key.password", "ssl.keystore.password",
                "ssl.truststore.password", "ssl.keystore.key")) {
            org.junit.jupiter.api.Assertions.assertTrue(secret.contains(k), k + " in " + secret);
        }
        org.junit.jupiter.api.Assertions.assertFalse(secret.contains("security.protocol"));
        // tcpcopy declares them for its config and hides them (ferry-cli's KafkaPluginIT: the config dump of a proxy
        // whose kafka sink came from the plugin directory)
    }
}
