package io.ferry.dump.kafka;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryReader;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.DumpSink;
import io.ferry.dump.spi.EncodedRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka sink against a real single-node KRaft broker started in-process ({@link KafkaBroker}), fed as tcpcopy
 * feeds it (one thread, records encoded once, {@code flush} when its queue is empty): two sinks with their own
 * instance ids stream the same connection ids into one topic and every connection reads back byte for byte; with the
 * broker stopped the sink takes every record and counts its drops; when it returns, records flow again. tcpcopy's side (a
 * queue and a thread per sink, so that a stopped broker never touches the data path) is tested in filter-tcpcopy,
 * and the whole path through real proxies, with the sink loaded from the plugin directory, by ferry-cli's
 * FleetKafkaEndToEndIT.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaSinkBrokerIT {

    static KafkaBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    /** What one connection sent and got back. */
    record Sent(ByteArrayOutputStream inbound, ByteArrayOutputStream outbound) {
        Sent() {
            this(new ByteArrayOutputStream(), new ByteArrayOutputStream());
        }
    }

    /** One proxy instance's kafka sink, created by the provider from a sink entry, fed on the test's thread. */
    static final class Instance implements AutoCloseable {
        final DumpSink sink;
        long time = 1_700_000_000_000_000L;

        Instance(Map<String, Object> fields) throws Exception {
            this.sink = Sinks.provider().create(Sinks.validated(fields));
        }

        /** Encodes {@code r} once and hands it to the sink, as tcpcopy's sink thread does. */
        void accept(FerryRecord r) throws Exception {
            sink.accept(new EncodedRecord(r, FerryFormat.encode(r)));
        }

        long sinkStat(String counter) {
            return sink.stats().getOrDefault(counter, 0L);
        }

        Map<String, Long> stats() {
            return sink.stats();
        }

        @Override
        public void close() {
            sink.close();
        }
    }

    static Map<String, Object> kafkaSink(String bootstrap, String topic, String instanceId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "kafka");
        m.put("bootstrap_servers", bootstrap);
        m.put("topic", topic);
        m.put("instance_id", instanceId);
        m.put("linger_ms", 5);
        return m;
    }

    /**
     * The records of {@code conns} connections with random chunks both ways (OPEN, inbound and outbound DATA at their
     * stream offsets, CLOSE), handed to {@code c}'s sink; returns what each connection carried.
     */
    static Map<Long, Sent> traffic(Instance c, long firstId, int conns, int chunks, int maxChunk, long seed) throws Exception {
        Random rnd = new Random(seed);
        Map<Long, Sent> sent = new LinkedHashMap<>();
        for (long id = firstId; id < firstId + conns; id++) {
            Sent s = new Sent();
            c.accept(FerryRecord.open(c.time++, id, "w1", "ingress", Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT,
                    false, 0, 0));
            for (int i = 0; i < chunks; i++) {
                byte[] in = new byte[1 + rnd.nextInt(maxChunk)];
                rnd.nextBytes(in);
                c.accept(FerryRecord.data(c.time++, id, FerryRecord.INBOUND, "w1", "ingress", s.inbound.size(), in));
                s.inbound.write(in);
                byte[] out = new byte[1 + rnd.nextInt(maxChunk)];
                rnd.nextBytes(out);
                c.accept(FerryRecord.data(c.time++, id, FerryRecord.OUTBOUND, "w1", "ingress", s.outbound.size(), out));
                s.outbound.write(out);
            }
            c.accept(FerryRecord.close(c.time++, id, "w1", "ingress", s.inbound.size(), s.outbound.size()));
            c.sink.flush();
            sent.put(id, s);
        }
        return sent;
    }

    /** Reads the topic and rebuilds each (instance, connection) by decoding the values as a Ferry file. */
    static Map<String, List<FerryRecord>> readBack(String topic, int atLeast, Path tmp) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> records = KafkaTopics.readAll(broker.bootstrapServers(), topic, atLeast);
        Map<String, ByteArrayOutputStream> perKey = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String instance = header(r, KafkaSink.HEADER_INSTANCE);
            assertNotNull(header(r, KafkaSink.HEADER_LISTENER));
            assertNotNull(header(r, KafkaSink.HEADER_WINDOW));
            String key = new String(r.key(), StandardCharsets.UTF_8);
            assertTrue(key.startsWith(instance + "/"), key);
            perKey.computeIfAbsent(key, k -> {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.writeBytes(FerryFormat.header(instance));
                return b;
            }).writeBytes(r.value());
        }
        Map<String, List<FerryRecord>> out = new LinkedHashMap<>();
        int n = 0;
        for (Map.Entry<String, ByteArrayOutputStream> e : perKey.entrySet()) {
            Path f = tmp.resolve("conn-" + (n++) + ".ferry");
            Files.write(f, e.getValue().toByteArray());
            List<FerryRecord> rs = new ArrayList<>();
            try (FerryReader reader = FerryReader.open(f)) {
                for (FerryRecord r = reader.next(); r != null; r = reader.next()) {
                    rs.add(r);
                }
                assertEquals(List.of(), reader.problems(), "every value is one whole Ferry record");
            }
            out.put(e.getKey(), rs);
        }
        return out;
    }

    static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static byte[] bytes(List<FerryRecord> rs, int direction) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        rs.stream().filter(r -> r.type() == FerryRecord.DATA && r.direction() == direction)
                .forEach(r -> b.writeBytes(r.payload()));
        return b.toByteArray();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, condition, () -> "");
    }

    static void await(String what, BooleanSupplier condition, java.util.function.Supplier<Object> detail)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + " " + detail.get());
            }
            Thread.sleep(20);
        }
    }

    @Test
    @Order(1)
    void twoInstancesIntoOneTopicReadBackByteForByte() {
        assertTimeoutPreemptively(Duration.ofSeconds(180), () -> {
            String topic = "ferry-fleet";
            broker.createTopic(topic, 3);
            try (Instance a = new Instance(kafkaSink(broker.bootstrapServers(), topic, "proxy-a"));
                 Instance b = new Instance(kafkaSink(broker.bootstrapServers(), topic, "proxy-b"))) {
                // the same connection ids on both instances: the key (instance/connection) keeps them apart
                Map<String, Sent> expected = new HashMap<>();
                traffic(a, 1, 6, 20, 3000, 1).forEach((id, s) -> expected.put("proxy-a/" + id, s));
                traffic(b, 1, 6, 20, 3000, 2).forEach((id, s) -> expected.put("proxy-b/" + id, s));
                // each connection: OPEN, 20 inbound, 20 outbound DATA, CLOSE
                int total = expected.size() * 42;
                await("both sinks sent every record", () -> a.sinkStat("sent") + b.sinkStat("sent") >= total,
                        () -> a.stats() + " " + b.stats());
                Map<String, List<FerryRecord>> got = readBack(topic, total, dir);
                assertEquals(expected.keySet(), got.keySet());
                for (Map.Entry<String, Sent> e : expected.entrySet()) {
                    List<FerryRecord> rs = got.get(e.getKey());
                    assertEquals(FerryRecord.OPEN, rs.get(0).type(), e.getKey());
                    assertEquals(FerryRecord.CLOSE, rs.get(rs.size() - 1).type(), e.getKey());
                    assertArrayEquals(e.getValue().inbound.toByteArray(), bytes(rs, FerryRecord.INBOUND), e.getKey() + " inbound");
                    assertArrayEquals(e.getValue().outbound.toByteArray(), bytes(rs, FerryRecord.OUTBOUND), e.getKey() + " outbound");
                }
                assertEquals(0, a.sinkStat("dropped_queue_full") + a.sinkStat("dropped_send_failed")
                        + a.sinkStat("dropped_buffer_full") + a.sinkStat("dropped_metadata_unavailable"));
            }
        });
    }

    @Test
    @Order(2)
    void brokerDownTheSinkTakesEveryRecordCountsItsDropsAndRecordsFlowAgainWhenItReturns() {
        assertTimeoutPreemptively(Duration.ofSeconds(300), () -> {
            String topic = "ferry-outage";
            broker.createTopic(topic, 1);
            Map<String, Object> sink = kafkaSink(broker.bootstrapServers(), topic, "proxy-c");
            sink.put("delivery_timeout_ms", 2000);
            sink.put("buffer_memory", 1 << 20);
            try (Instance c = new Instance(sink)) {
                traffic(c, 1, 1, 5, 100, 3);
                await("the first connection reached the topic", () -> c.sinkStat("sent") >= 12, c::stats);

                broker.stopBroker();
                // 2 MiB while the broker is away: more than the producer's 1 MiB buffer
                Map<Long, Sent> during = traffic(c, 100, 8, 16, 32 << 10, 4);
                assertEquals(8, during.size());
                await("drops counted while the broker is down", () -> c.sinkStat("dropped_buffer_full")
                        + c.sinkStat("dropped_send_failed") + c.sinkStat("dropped_metadata_unavailable") > 0, c::stats);

                broker.startBroker();
                await("the producer delivered nothing more of the outage", () -> c.sinkStat("in_flight") == 0, c::stats);
                // new connections until one is delivered whole (records captured while the producer is still
                // reconnecting are dropped and counted like any other)
                long id = 200;
                Map<Long, Sent> after = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (after == null) {
                    assertTrue(System.nanoTime() < deadline, "no record reached the broker after it returned: " + c.stats());
                    long sentBefore = c.sinkStat("sent");
                    long droppedBefore = c.sinkStat("dropped_metadata_unavailable") + c.sinkStat("dropped_send_failed")
                            + c.sinkStat("dropped_buffer_full");
                    Map<Long, Sent> attempt = traffic(c, ++id, 1, 5, 100, id);
                    await("connection " + id + " delivered or dropped", () -> c.sinkStat("sent") >= sentBefore + 12
                            || c.sinkStat("dropped_metadata_unavailable") + c.sinkStat("dropped_send_failed")
                            + c.sinkStat("dropped_buffer_full") > droppedBefore, c::stats);
                    await("connection " + id + " settled", () -> c.sinkStat("in_flight") == 0, c::stats);
                    if (c.sinkStat("sent") >= sentBefore + 12) {
                        after = attempt;
                    }
                }
                long delivered = id;
                Map<String, List<FerryRecord>> got = readBack(topic, (int) c.sinkStat("sent"), dir);   // all acknowledged
                List<FerryRecord> rs = got.get("proxy-c/" + delivered);
                assertNotNull(rs, "connection " + delivered + ", captured after the broker returned, is in the topic: " + got.keySet());
                assertArrayEquals(after.get(delivered).inbound.toByteArray(), bytes(rs, FerryRecord.INBOUND));
                assertArrayEquals(after.get(delivered).outbound.toByteArray(), bytes(rs, FerryRecord.OUTBOUND));
            }
        });
    }
}
