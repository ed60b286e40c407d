package io.ferry.dump.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaBrokerSmokeIT {

    @Test
    void inProcessKraftBrokerProducesAndConsumesOneRecord() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            try (KafkaBroker broker = KafkaBroker.start()) {
                assertTrue(broker.bootstrapServers().contains("127.0.0.1") || broker.bootstrapServers().contains("localhost"),
                        broker.bootstrapServers());
                broker.createTopic("smoke", 1);
                byte[] value = "hello kafka".getBytes(StandardCharsets.UTF_8);
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                        Map.of("bootstrap.servers", broker.bootstrapServers()),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
                    p.send(new ProducerRecord<>("smoke", "k".getBytes(StandardCharsets.UTF_8), value)).get(30, TimeUnit.SECONDS);
                }
                List<ConsumerRecord<byte[], byte[]>> got = KafkaTopics.readAll(broker.bootstrapServers(), "smoke", 1);
                assertEquals(1, got.size());
                assertArrayEquals(value, got.get(0).value());
            }
        });
    }
}
