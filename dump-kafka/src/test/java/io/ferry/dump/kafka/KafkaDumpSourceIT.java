package io.ferry.dump.kafka;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.Selection;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ferry dump}'s {@code kafka://} source against a real single-node KRaft broker: two proxy instances with the
 * same connection ids have written two windows each into one topic, as the kafka dump sink writes it (key
 * {@code INSTANCE/ID}, headers, one format 2 record per value; produced here directly, so that reading is tested on
 * its own); reading it back keeps their connections apart and gives every connection byte for byte with its status,
 * whole or selected by window, connection or time; a value that does not decode is reported with its partition and
 * offset and skipped; an unreachable broker and a missing topic fail with a clear error.
 */
class KafkaDumpSourceIT {

    static final String TOPIC = "fleet-readback";
    static KafkaBroker broker;
    static String uri;
    /** Expected bytes per key INSTANCE/ID, and the window each key was captured in (1 or 2). */
    static final Map<String, Sent> expected = new LinkedHashMap<>();
    static final Map<String, Integer> windowOf = new LinkedHashMap<>();
    /** Capture time of the first record of the second round, in microseconds. */
    static long secondRound;

    @BeforeAll
    static void twoInstancesWroteIntoOneTopic() {
        assertTimeoutPreemptively(Duration.ofSeconds(180), () -> {
            broker = KafkaBroker.start();
            broker.createTopic(TOPIC, 3);
            uri = "kafka://" + broker.bootstrapServers() + "/" + TOPIC;
            long t = (System.currentTimeMillis() - 60_000) * 1000;
            try (KafkaProducer<byte[], byte[]> p = producer()) {
                for (int window = 1; window <= 2; window++) {
                    long first = window == 1 ? 1 : 4;
                    int conns = window == 1 ? 3 : 2;
                    if (window == 2) {
                        t += 10_000_000;
                        secondRound = t;
                    }
                    for (String instance : List.of("proxy-a", "proxy-b")) {
                        String w = instance + "-window-" + window;
                        Random rnd = new Random(first * 31 + instance.hashCode());
                        for (long id = first; id < first + conns; id++) {
                            Sent sent = new Sent();
                            String key = instance + "/" + id;
                            send(p, key, w, FerryRecord.open(t++, id, w, "l", client(id), PROXY, false, 0, 0));
                            for (int i = 0; i < 8; i++) {
                                for (int dir = FerryRecord.INBOUND; dir <= FerryRecord.OUTBOUND; dir++) {
                                    byte[] b = new byte[1 + rnd.nextInt(2000)];
                                    rnd.nextBytes(b);
                                    ByteArrayOutputStream to = dir == FerryRecord.INBOUND ? sent.inbound() : sent.outbound();
                                    send(p, key, w, FerryRecord.data(t++, id, dir, w, "l", to.size(), b));
                                    to.writeBytes(b);
                                }
                            }
                            send(p, key, w, FerryRecord.close(t++, id, w, "l", sent.inbound().size(),
                                    sent.outbound().size()));
                            expected.put(key, sent);
                            windowOf.put(key, window);
                        }
                    }
                }
                p.flush();
            }
        });
    }

    record Sent(ByteArrayOutputStream inbound, ByteArrayOutputStream outbound) {
        Sent() {
            this(new ByteArrayOutputStream(), new ByteArrayOutputStream());
        }
    }

    static final Endpoint PROXY = Endpoint.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 2045));

    static Endpoint client(long id) {
        return Endpoint.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000 + (int) id));
    }

    static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 5),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** As the kafka dump sink sends a record: keyed by INSTANCE/ID, stamped with its capture time. */
    static void send(KafkaProducer<byte[], byte[]> p, String key, String window, FerryRecord r) {
        p.send(raw(TOPIC, null, r.timeMicros() / 1000, key, window, FerryFormat.encode(r)));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    static io.ferry.dump.tools.Capture read(Selection s) throws IOException {
        io.ferry.dump.tools.Capture c = io.ferry.dump.tools.Capture.read(uri, s);
        assertEquals(List.of(), c.problems());
        return c;
    }

    static Selection select(List<String> windows, List<String> connections, Instant since, Instant until) {
        return Selection.of(windows, connections, since, until);
    }

    /** Every connection of {@code c} is one of {@code keys}, all of them are there, and each is byte-exact. */
    static void assertConnections(Set<String> keys, io.ferry.dump.tools.Capture c) {
        Set<String> got = new HashSet<>();
        for (io.ferry.dump.tools.Capture.Conn k : c.connections().values()) {
            got.add(k.key());
            Sent s = expected.get(k.key());
            assertArrayEquals(s.inbound().toByteArray(), k.bytes(FerryRecord.INBOUND), k.key() + " inbound");
            assertArrayEquals(s.outbound().toByteArray(), k.bytes(FerryRecord.OUTBOUND), k.key() + " outbound");
            assertTrue(k.openSeen && k.closeSeen, k.key());
            assertEquals("complete", k.status().text(), k.key());
            assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000 + (int) k.connectionId),
                    new InetSocketAddress(k.remote.inetAddress(), k.remote.port()), k.key() + " client address");
        }
        assertEquals(keys, got);
    }

    static Set<String> keys(int window) {
        Set<String> out = new HashSet<>();
        windowOf.forEach((k, w) -> {
            if (window == 0 || w == window) {
                out.add(k);
            }
        });
        return out;
    }

    @Test
    void everythingReadsBackWithTheInstancesKeptApartAndDistinctIds() throws Exception {
        io.ferry.dump.tools.Capture c = read(Selection.ALL);
        assertEquals(Set.of("proxy-a", "proxy-b"), c.instances());
        assertConnections(keys(0), c);
        assertEquals(10, c.connections().size(), "ids 1..5 of two instances: ten distinct displayed ids");
        for (io.ferry.dump.tools.Capture.Conn k : c.connections().values()) {
            for (FerryRecord r : k.data) {
                assertEquals(k.id, r.connectionId(), "records carry the displayed id, so converters keep them apart");
            }
        }
        // every record of the topic once: OPEN, CLOSE and 16 DATA per connection
        assertEquals(10 * 18, c.records().size());
    }

    @Test
    void aWindowSelectsItsConnectionsOnly() throws Exception {
        io.ferry.dump.tools.Capture all = read(Selection.ALL);
        String w2 = all.connections().values().stream().filter(k -> k.key().equals("proxy-b/4"))
                .findFirst().orElseThrow().windows().iterator().next();
        Set<String> inW2 = new HashSet<>();
        all.connections().values().stream().filter(k -> k.windows().contains(w2)).forEach(k -> inW2.add(k.key()));
        assertTrue(inW2.containsAll(Set.of("proxy-b/4", "proxy-b/5")) && keys(2).containsAll(inW2), inW2.toString());
        io.ferry.dump.tools.Capture c = read(select(List.of(w2), List.of(), null, null));
        assertConnections(inW2, c);
        assertTrue(c.records().stream().allMatch(r -> r.window().equals(w2)));
        // --window repeats: the second windows of both instances select all of the second round's connections
        Set<String> ws = new HashSet<>();
        all.connections().values().stream().filter(k -> windowOf.get(k.key()) == 2).forEach(k -> ws.addAll(k.windows()));
        assertConnections(keys(2), read(select(List.copyOf(ws), List.of(), null, null)));
    }

    @Test
    void connectionsSelectByKeyAndByTheDisplayedId() throws Exception {
        io.ferry.dump.tools.Capture c = read(select(List.of(), List.of("proxy-b/2", "proxy-a/2"), null, null));
        assertConnections(Set.of("proxy-a/2", "proxy-b/2"), c);
        assertEquals(List.of(), c.unmatched());
        io.ferry.dump.tools.Capture all = read(Selection.ALL);
        for (io.ferry.dump.tools.Capture.Conn k : c.connections().values()) {
            assertEquals(k.key(), all.connections().get(k.id).key(), "a selection keeps the displayed ids");
        }

        long shown = read(Selection.ALL).connections().values().stream().filter(k -> k.key().equals("proxy-a/3"))
                .findFirst().orElseThrow().id;
        c = read(select(List.of(), List.of(Long.toString(shown)), null, null));
        assertConnections(Set.of("proxy-a/3"), c);
        assertEquals(shown, c.connections().keySet().iterator().next(), "the same id as without the selection");

        c = read(select(List.of(), List.of("proxy-c/1"), null, null));
        assertEquals(0, c.connections().size());
        assertEquals(List.of("proxy-c/1"), c.unmatched());
        assertEquals(10, c.available().size(), c.available().toString());
    }

    @Test
    void sinceAndUntilSelectByCaptureTime() throws Exception {
        long secondWindow = read(Selection.ALL).connections().values().stream()
                .filter(k -> windowOf.get(k.key()) == 2).mapToLong(k -> k.firstMicros).min().orElseThrow();
        assertEquals(secondRound, secondWindow);
        Instant t = Instant.EPOCH.plus(secondWindow, java.time.temporal.ChronoUnit.MICROS);
        assertConnections(keys(2), read(select(List.of(), List.of(), t, null)));
        assertConnections(keys(1), read(select(List.of(), List.of(), null, t)));
        assertConnections(Set.of("proxy-b/1"), read(select(List.of(), List.of("proxy-b/1"), null, t)));
        assertConnections(Set.of(), read(select(List.of(), List.of(), t.plusSeconds(3600), null)));
    }

    @Test
    void sinceSeeksByTimestampSoOlderRecordsAreNotEvenRead() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            String topic = "timed";
            broker.createTopic(topic, 1);
            long now = System.currentTimeMillis();
            long old = now - TimeUnit.HOURS.toMillis(2);
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                // two hours ago: a damaged value (reading it would be reported as a problem) and a good record
                p.send(raw(topic, old, "old/1", "w0", "not a ferry record".getBytes(StandardCharsets.UTF_8))).get();
                p.send(raw(topic, old, "old/1", "w0", FerryFormat.encode(
                        FerryRecord.data(old * 1000, 1, FerryRecord.INBOUND, "w0", "l", 0, new byte[] {1})))).get();
                // now: one connection
                p.send(raw(topic, now, "new/7", "w1", FerryFormat.encode(FerryRecord.open(now * 1000, 7, "w1", "l",
                        Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT, false, 0, 0)))).get();
                p.send(raw(topic, now, "new/7", "w1", FerryFormat.encode(
                        FerryRecord.data(now * 1000 + 1, 7, FerryRecord.INBOUND, "w1", "l", 0, new byte[] {2, 3})))).get();
            }
            String u = "kafka://" + broker.bootstrapServers() + "/" + topic;
            io.ferry.dump.tools.Capture all = io.ferry.dump.tools.Capture.read(u, Selection.ALL);
            assertEquals(1, all.problems().size(), all.problems().toString());
            assertEquals(u + " partition 0 offset 0: the value does not start with a Ferry record (sync 6e6f, expected "
                    + "f7dc; a record of an earlier format?) (expected: one Ferry record, format 2); skipped",
                    all.problems().get(0));
            assertEquals(2, all.connections().size());

            io.ferry.dump.tools.Capture recent = io.ferry.dump.tools.Capture.read(u,
                    select(List.of(), List.of(), Instant.ofEpochMilli(now - TimeUnit.MINUTES.toMillis(10)), null));
            assertEquals(List.of(), recent.problems(), "the old records lie before the seek offset");
            assertEquals(Set.of("new/7"), Set.of(recent.connections().values().iterator().next().key()));
            assertArrayEquals(new byte[] {2, 3}, recent.connections().values().iterator().next().bytes(FerryRecord.INBOUND));
        });
    }

    static ProducerRecord<byte[], byte[]> raw(String topic, long timestamp, String key, String window, byte[] value) {
        return raw(topic, 0, timestamp, key, window, value);
    }

    static ProducerRecord<byte[], byte[]> raw(String topic, Integer partition, long timestamp, String key, String window,
                                              byte[] value) {
        RecordHeaders h = new RecordHeaders();
        h.add(new RecordHeader(KafkaSink.HEADER_INSTANCE, key.substring(0, key.lastIndexOf('/'))
                .getBytes(StandardCharsets.UTF_8)));
        h.add(new RecordHeader(KafkaSink.HEADER_LISTENER, "l".getBytes(StandardCharsets.UTF_8)));
        h.add(new RecordHeader(KafkaSink.HEADER_WINDOW, window.getBytes(StandardCharsets.UTF_8)));
        return new ProducerRecord<>(topic, partition, timestamp, key.getBytes(StandardCharsets.UTF_8), value, h);
    }

    @Test
    void statusesAndRefusedCountsReadBackFromATopic() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            String topic = "statuses";
            broker.createTopic(topic, 2);
            long now = System.currentTimeMillis();
            long us = now * 1000;
            try (KafkaProducer<byte[], byte[]> p = producer()) {
                p.send(raw(topic, null, now, "edge-9/1", "w", FerryFormat.encode(FerryRecord.open(us, 1, "w", "l",
                        client(1), PROXY, false, 0, 0)))).get();
                p.send(raw(topic, null, now, "edge-9/1", "w", FerryFormat.encode(FerryRecord.data(us + 1, 1,
                        FerryRecord.INBOUND, "w", "l", 0, new byte[10])))).get();
                p.send(raw(topic, null, now, "edge-9/1", "w", FerryFormat.encode(FerryRecord.abandoned(us + 2, 1, "w",
                        "l", 10, 0, "memory")))).get();
                p.send(raw(topic, null, now, "edge-9/0", "w", FerryFormat.encode(FerryRecord.refused(us + 3, "w", "l",
                        "memory", 3)))).get();
                p.send(raw(topic, null, now, "edge-9/0", "w", FerryFormat.encode(FerryRecord.refused(us + 4, "w", "l",
                        "rate_limit", 2)))).get();
            }
            io.ferry.dump.tools.Capture c = io.ferry.dump.tools.Capture.read(
                    "kafka://" + broker.bootstrapServers() + "/" + topic, Selection.ALL);
            assertEquals(List.of(), c.problems());
            assertEquals(List.of("abandoned at 10 B: memory"),
                    c.connections().values().stream().map(k -> k.status().text()).toList());
            assertEquals(Map.of("memory", 3L, "rate_limit", 2L), c.windows().get("w").refused);
            assertEquals(Map.of("edge-9\nl", Map.of("memory", 3L, "rate_limit", 2L)), c.refused());
        });
    }

    /**
     * Run in a child JVM by {@link #aTopicLargerThanTheHeapIsReadInBoundedMemory}: reads {@code args[0]} and prints
     * the records, the payload bytes, and how many records came before an earlier one of their connection.
     */
    public static void main(String[] args) throws Exception {
        long[] n = new long[3];
        Map<Long, Long> last = new HashMap<>();
        new KafkaDumpSource().read(args[0], Selection.ALL, new io.ferry.dump.spi.DumpSource.Records() {
            @Override
            public void record(String instance, FerryRecord r) {
                n[0]++;
                n[1] += r.payload().length;
                Long before = last.put(r.connectionId(), r.timeMicros());
                if (before != null && before > r.timeMicros()) {
                    n[2]++;
                }
            }

            @Override
            public void problem(String message) {
                System.out.println("problem: " + message);
            }
        });
        System.out.println("records " + n[0] + " bytes " + n[1] + " out of order " + n[2]);
    }

    /**
     * A topic of 192 MiB in two partitions, the first one's records all captured before the second one's: the merge
     * hands out the first partition while the second one waits, paused, so the read fits in 80 MiB of heap.
     */
    @Test
    void aTopicLargerThanTheHeapIsReadInBoundedMemory() throws Exception {
        String topic = "ferry-big";
        int perPartition = 1536;
        int size = 64 * 1024;
        assertTimeoutPreemptively(Duration.ofSeconds(150), () -> {
            broker.createTopic(topic, 2);
            byte[] payload = new byte[size];
            new Random(7).nextBytes(payload);
            long t = (System.currentTimeMillis() - 120_000) * 1000;
            try (KafkaProducer<byte[], byte[]> p = producer()) {
                for (int part = 0; part < 2; part++) {
                    long id = part + 1;
                    String key = "big/" + id;
                    p.send(raw(topic, part, t / 1000, key, "w", FerryFormat.encode(
                            FerryRecord.open(t++, id, "w", "l", client(id), PROXY, false, 0, 0))));
                    for (int i = 0; i < perPartition; i++) {
                        p.send(raw(topic, part, t / 1000, key, "w", FerryFormat.encode(
                                FerryRecord.data(t++, id, FerryRecord.INBOUND, "w", "l", (long) i * size, payload))));
                    }
                    p.send(raw(topic, part, t / 1000, key, "w", FerryFormat.encode(
                            FerryRecord.close(t++, id, "w", "l", (long) perPartition * size, 0))));
                }
                p.flush();
            }
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(javaBin, "-Xmx80m", "-cp", System.getProperty("java.class.path"),
                    KafkaDumpSourceIT.class.getName(), "kafka://" + broker.bootstrapServers() + "/" + topic)
                    .redirectErrorStream(true).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            child.getInputStream().transferTo(out);
            int rc = child.waitFor();
            String text = out.toString(StandardCharsets.UTF_8).trim();
            assertEquals(0, rc, text);
            assertEquals("records " + (2 * (perPartition + 2)) + " bytes " + (2L * perPartition * size)
                    + " out of order 0", text.lines().reduce((a, b) -> b).orElse(""), text);
        });
    }

    @Test
    void otherWindowsValuesAreNeverCopiedOutOfTheFetchBuffer() {
        KafkaDumpSource.WindowFilter f = new KafkaDumpSource.WindowFilter(select(List.of("w1"), List.of(), null, null));
        RecordHeaders other = new RecordHeaders();
        other.add(new RecordHeader(KafkaSink.HEADER_WINDOW, "w2".getBytes(StandardCharsets.UTF_8)));
        RecordHeaders mine = new RecordHeaders();
        mine.add(new RecordHeader(KafkaSink.HEADER_WINDOW, "w1".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer value = ByteBuffer.wrap(new byte[] {9, 8, 7});
        assertNull(f.deserialize(TOPIC, other, value));
        assertArrayEquals(new byte[] {9, 8, 7}, f.deserialize(TOPIC, mine, value));
        assertArrayEquals(new byte[] {9, 8, 7}, new KafkaDumpSource.WindowFilter(Selection.ALL).deserialize(TOPIC, other, value));
    }

    @Test
    void anUnreachableBrokerAMissingTopicAndABadUriFailClearly() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        // the wait for the brokers is the location's default.api.timeout.ms (10 s when not given): 1 s here
        String unreachable = "kafka://127.0.0.1:" + closed + "/" + TOPIC + "?default.api.timeout.ms=1000";
        long start = System.nanoTime();
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(IOException.class,
                () -> io.ferry.dump.tools.Capture.read(unreachable, Selection.ALL)));
        assertTrue(e.getMessage().startsWith(unreachable + ": no Kafka broker answered at 127.0.0.1:" + closed
                + " within 1 s (expected: a reachable Kafka bootstrap server)"), e.getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(8).toNanos(), "the timeout given, not 10 s");
        String soon = "kafka://127.0.0.1:" + closed + "/" + TOPIC + "?default.api.timeout.ms=soon";
        e = assertThrows(IOException.class, () -> io.ferry.dump.tools.Capture.read(soon, Selection.ALL));
        assertEquals(soon + ": default.api.timeout.ms=soon (expected: a positive number of milliseconds)",
                e.getMessage());

        String missing = "kafka://" + broker.bootstrapServers() + "/no-such-topic";
        e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(IOException.class,
                () -> io.ferry.dump.tools.Capture.read(missing, Selection.ALL)));
        assertTrue(e.getMessage().startsWith(missing + ": topic no-such-topic does not exist on "
                + broker.bootstrapServers() + " (expected: the topic the kafka dump sink writes to; topics there: ["), e.getMessage());
        assertTrue(e.getMessage().contains(TOPIC), e.getMessage());

        e = assertThrows(IOException.class, () -> io.ferry.dump.tools.Capture.read("kafka://127.0.0.1:9092", Selection.ALL));
        assertEquals("kafka://127.0.0.1:9092: no broker or no topic (expected: kafka://HOST:PORT[,HOST:PORT...]/TOPIC)",
                e.getMessage());
        e = assertThrows(IOException.class, () -> io.ferry.dump.tools.Capture.read("kafka://broker/t", Selection.ALL));
        assertTrue(e.getMessage().contains("broker \"broker\" (expected: kafka://HOST:PORT"), e.getMessage());
        List<String> ok = new ArrayList<>();
        ok.add(KafkaDumpSource.Location.parse("kafka://a:1,b:2/t.x-y?security.protocol=SSL").bootstrap());
        assertEquals(List.of("a:1,b:2"), ok);
        assertEquals(Map.of("security.protocol", "SSL"),
                KafkaDumpSource.Location.parse("kafka://a:1,b:2/t.x-y?security.protocol=SSL").settings());
    }
}
