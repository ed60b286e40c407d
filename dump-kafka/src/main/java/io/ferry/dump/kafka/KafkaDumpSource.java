package io.ferry.dump.kafka;

import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryReader;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.DumpSource;
import io.ferry.dump.spi.Selection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The {@code kafka://HOST:PORT[,HOST:PORT...]/TOPIC} source of the {@code ferry dump} tools: reads back what
 * {@link KafkaSink} wrote. Registered for the scheme {@code kafka} in
 * {@code META-INF/services/io.ferry.dump.spi.DumpSource}.
 *
 * <h2>What it reads</h2>
 * A consumer without a group (nothing is committed, nothing changes on the broker) is assigned every partition of the
 * topic. Each partition's end offset is taken once at the start, so a topic that is still being written to gives a
 * consistent snapshot and the read ends. Each partition is read from its beginning or, with {@code --since}, from the
 * offset {@code offsetsForTimes} gives for that time less {@link #CLOCK_SLACK} (a record's Kafka timestamp is its
 * send time, at or after its capture time; the slack covers a broker that stamps with its own clock). Records are
 * then selected by their {@code ferry.window} header before their value is even copied out of the fetched batch, so
 * with {@code --window} other windows' payloads are never held; then by capture time after decoding (connections are
 * selected by {@link io.ferry.dump.tools.Capture}, which needs to see every connection to number them). Each
 * value is one framed Ferry record of format 2 ({@link FerryReader#decodeFramed}: sync, length, CRC, body); a value
 * that does not decode (a record of an earlier format, a damaged one) is reported as a problem with its partition and
 * offset and skipped, and reading goes on. The proxy instance of a record is its {@code ferry.instance} header, or
 * else its key's part before the last {@code /}.
 *
 * <h2>Order</h2>
 * Kafka orders records within a partition, and all records of one connection share a key and so a partition. The
 * selected records of each partition are kept in offset order and handed out merged by capture time, each partition's
 * order preserved, so every connection's records arrive in capture order. The merge hands a record out as soon as
 * every partition still being read has one queued; a partition whose queue holds more than its share of
 * {@link #MERGE_BYTES} is paused until the others catch up, so the memory a read needs is bounded whatever the
 * topic's size.
 *
 * <h2>Errors</h2>
 * A malformed URI, an unreachable bootstrap server (after {@link #TIMEOUT}, or the location's
 * {@code default.api.timeout.ms}) and a missing topic each end the read with
 * one {@link IOException} naming the URI and what was expected. Extra consumer settings (TLS, SASL) can be given as
 * the URI's query, e.g. {@code kafka://kafka-1:9093/ferry-dumps?security.protocol=SSL&ssl.truststore.location=...}.
 *
 * <p>Threading: {@link #read} runs on the calling thread and closes its consumer before it returns.
 */
public final class KafkaDumpSource implements DumpSource {

    /** How long to wait for a broker (metadata, offsets) before giving up. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** How long each request may wait for the brokers: {@link #TIMEOUT}, or a location's {@code default.api.timeout.ms}. */
    private static Duration timeout(String location, Location loc) throws IOException {
        String ms = loc.settings().get(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        if (ms == null) {
            return TIMEOUT;
        }
        try {
            long v = Long.parseLong(ms);
            if (v > 0) {
                return Duration.ofMillis(v);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(location + ": " + ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG + "=" + ms
                + " (expected: a positive number of milliseconds)");
    }
    /** How long a partition may make no progress towards its end offset before the read fails. */
    static final Duration STALL = Duration.ofSeconds(30);
    /** How far before {@code --since} a partition is read from, in Kafka timestamp. */
    static final Duration CLOCK_SLACK = Duration.ofMinutes(1);

    private static final String EXPECTED = "expected: kafka://HOST:PORT[,HOST:PORT...]/TOPIC";

    /** A parsed {@code kafka://} location. */
    record Location(String bootstrap, String topic, Map<String, String> settings) {

        static Location parse(String uri) throws IOException {
            String rest = uri.substring("kafka://".length());
            Map<String, String> settings = new LinkedHashMap<>();
            int q = rest.indexOf('?');
            if (q >= 0) {
                for (String kv : rest.substring(q + 1).split("&")) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IOException(uri + ": query part " + kv + " (expected: consumer settings as NAME=VALUE&...)");
                    }
                    settings.put(decode(kv.substring(0, eq)), decode(kv.substring(eq + 1)));
                }
                rest = rest.substring(0, q);
            }
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                throw new IOException(uri + ": no broker or no topic (" + EXPECTED + ")");
            }
            String bootstrap = rest.substring(0, slash);
            String topic = rest.substring(slash + 1);
            if (!topic.matches("[A-Za-z0-9._-]{1,249}")) {
                throw new IOException(uri + ": topic \"" + topic + "\" (" + EXPECTED
                        + ", TOPIC made of letters, digits, '.', '_' and '-')");
            }
            for (String hp : bootstrap.split(",", -1)) {
                int colon = hp.lastIndexOf(':');
                if (colon <= 0 || !hp.substring(colon + 1).matches("\\d{1,5}")
                        || Integer.parseInt(hp.substring(colon + 1)) > 65535) {
                    throw new IOException(uri + ": broker \"" + hp + "\" (" + EXPECTED + ")");
                }
            }
            return new Location(bootstrap, topic, settings);
        }

        private static String decode(String s) {
            return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
        }
    }

    /** One selected, decoded record waiting to be merged. */
    private record Entry(String instance, FerryRecord record) {
        /** What it holds in memory, about. */
        long size() {
            return 128 + record.payload().length;
        }
    }

    /** {@code 10} for 10 s, {@code 0.5} for 500 ms. */
    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? Long.toString(d.toSeconds()) : Double.toString(d.toMillis() / 1000.0);
    }

    public KafkaDumpSource() {
        // found by ServiceLoader
    }

    @Override
    public String scheme() {
        return "kafka";
    }

    /** Reads with this module's class loader as the context class loader ({@link PluginContext}). */
    @Override
    public void read(String location, Selection selection, Records out) throws IOException {
        PluginContext.<Void, IOException>call(() -> {
            readLocation(location, selection, out);
            return null;
        });
    }

    private void readLocation(String location, Selection selection, Records out) throws IOException {
        Location loc = Location.parse(location);
        Duration timeout = timeout(location, loc);
        Properties p = new Properties();
        p.putAll(loc.settings());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, loc.bootstrap());
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "ferry-dump-reader");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        p.putIfAbsent(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        p.putIfAbsent(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(FETCH_MAX_BYTES));
        KafkaConsumer<byte[], byte[]> consumer;
        try {
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new WindowFilter(selection));
        } catch (KafkaException e) {
            throw new IOException(location + ": " + message(e) + " (" + EXPECTED + ")", e);
        }
        try (consumer) {
            read(consumer, location, loc, selection, out, timeout);
        } catch (KafkaException e) {
            throw new IOException(location + ": " + message(e), e);
        }
    }

    private static void read(KafkaConsumer<byte[], byte[]> consumer, String location, Location loc,
                             Selection selection, Records out, Duration timeout) throws IOException {
        Map<String, List<PartitionInfo>> topics;
        try {
            topics = consumer.listTopics(timeout);
        } catch (TimeoutException e) {
            throw new IOException(location + ": no Kafka broker answered at " + loc.bootstrap() + " within "
                    + seconds(timeout) + " s (expected: a reachable Kafka bootstrap server)", e);
        }
        List<PartitionInfo> infos = topics.get(loc.topic());
        if (infos == null || infos.isEmpty()) {
            throw new IOException(location + ": topic " + loc.topic() + " does not exist on " + loc.bootstrap()
                    + " (expected: the topic the kafka dump sink writes to; topics there: " + new TreeSet<>(topics.keySet())
                    + ")");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(loc.topic(), info.partition()));
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, Long> start = new HashMap<>(consumer.beginningOffsets(partitions, timeout));
        if (selection.sinceMicros() != Long.MIN_VALUE) {
            long since = Math.max(0, selection.sinceMicros() / 1000 - CLOCK_SLACK.toMillis());
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, since));
            for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : consumer.offsetsForTimes(query, timeout).entrySet()) {
                start.put(e.getKey(), e.getValue() == null ? end.get(e.getKey()) : e.getValue().offset());
            }
        }
        List<TopicPartition> pending = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (start.get(tp) < end.get(tp)) {
                pending.add(tp);
            }
        }
        Map<Integer, Part> parts = new HashMap<>();
        for (TopicPartition tp : pending) {
            parts.put(tp.partition(), new Part());
        }
        long queueLimit = Math.max(MIN_QUEUE_BYTES, MERGE_BYTES / Math.max(1, pending.size()));
        consumer.assign(pending);
        for (TopicPartition tp : pending) {
            consumer.seek(tp, start.get(tp));
        }
        long lastProgress = System.nanoTime();
        while (!pending.isEmpty()) {
            boolean progress = false;
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                progress = true;
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    accept(r, location, selection, out, parts.get(r.partition()));
                }
            }
            List<TopicPartition> done = new ArrayList<>();
            for (TopicPartition tp : pending) {
                if (consumer.position(tp, timeout) >= end.get(tp)) {
                    done.add(tp);
                    parts.get(tp.partition()).finished = true;
                }
            }
            if (!done.isEmpty()) {
                pending.removeAll(done);
                consumer.assign(pending);
                progress = true;
            }
            emit(parts, out);
            // a partition far ahead of the others waits, paused, until the merge has handed out its queue
            List<TopicPartition> pause = new ArrayList<>();
            List<TopicPartition> resume = new ArrayList<>();
            for (TopicPartition tp : pending) {
                (parts.get(tp.partition()).bytes > queueLimit ? pause : resume).add(tp);
            }
            consumer.pause(pause);
            consumer.resume(resume);
            if (progress) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                throw new IOException(location + ": no progress for " + STALL.toSeconds() + " s reading partitions "
                        + pending + " (expected: each partition readable up to its end offset " + end + ")");
            }
        }
        emit(parts, out);
    }

    /** The consumer's {@code fetch.max.bytes} unless the location sets it (Kafka's default is 50 MiB). */
    static final int FETCH_MAX_BYTES = 16 << 20;
    /** Bytes of selected records the merge may hold, over all partitions ({@link #MIN_QUEUE_BYTES} each at least). */
    static final long MERGE_BYTES = 32L << 20;
    /** Bytes of selected records a partition's queue may hold before the partition is paused, at least. */
    static final long MIN_QUEUE_BYTES = 64L << 10;

    /** One partition being read: its selected records not yet handed out, in offset order. */
    private static final class Part {
        final ArrayDeque<Entry> queue = new ArrayDeque<>();
        long bytes;
        /** Read up to its end offset: an empty queue no longer holds the merge back. */
        boolean finished;
    }

    /**
     * Hands out records by capture time, keeping each partition's order, as long as every partition still being read
     * has a record queued (the next record of an empty one could come before any queued one).
     */
    private static void emit(Map<Integer, Part> parts, Records out) {
        while (true) {
            Part best = null;
            for (Part p : parts.values()) {
                Entry head = p.queue.peek();
                if (head == null) {
                    if (!p.finished) {
                        return;
                    }
                } else if (best == null || head.record().timeMicros() < best.queue.peek().record().timeMicros()) {
                    best = p;
                }
            }
            if (best == null) {
                return;
            }
            Entry e = best.queue.poll();
            best.bytes -= e.size();
            out.record(e.instance(), e.record());
        }
    }

    /** Selects and decodes one consumed record into its partition's queue. */
    private static void accept(ConsumerRecord<byte[], byte[]> r, String location, Selection selection, Records out,
                               Part part) {
        if (r.value() == null) {
            return;     // another window (see WindowFilter), or a tombstone
        }
        String where = location + " partition " + r.partition() + " offset " + r.offset();
        String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        int slash = key.lastIndexOf('/');
        long id;
        try {
            id = Long.parseLong(key.substring(slash + 1));
        } catch (NumberFormatException e) {
            out.problem(where + ": key \"" + key + "\" (expected: INSTANCE/CONNECTION_ID as the kafka dump sink writes)");
            return;
        }
        String instance = header(r.headers(), KafkaSink.HEADER_INSTANCE);
        if (instance == null) {
            instance = slash < 0 ? "" : key.substring(0, slash);
        }
        FerryRecord record;
        try {
            record = FerryReader.decodeFramed(r.value());
        } catch (IOException e) {
            out.problem(where + ": the value " + e.getMessage() + " (expected: one Ferry record, format "
                    + FerryFormat.MAJOR + "); skipped");
            return;
        }
        if (record.connectionId() != id && record.type() != FerryRecord.DROPPED
                && record.type() != FerryRecord.REFUSED) {
            out.problem(where + ": key \"" + key + "\" but the record is of connection " + record.connectionId()
                    + " (expected: the key's connection id); skipped");
            return;
        }
        if (selection.record(record)) {
            Entry e = new Entry(instance, record);
            part.queue.add(e);
            part.bytes += e.size();
        }
    }

    static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String message(KafkaException e) {
        Throwable t = e;
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            sb.append(": ").append(t.getMessage());
        }
        return sb.toString();
    }

    /**
     * The value deserializer: returns {@code null} for a record of a window the selection excludes (by its
     * {@code ferry.window} header), so its payload is never copied out of the fetch buffer; otherwise the value.
     */
    static final class WindowFilter implements Deserializer<byte[]> {

        private final Selection selection;

        WindowFilter(Selection selection) {
            this.selection = selection;
        }

        private boolean wanted(Headers headers) {
            if (selection.windows().isEmpty()) {
                return true;
            }
            String window = headers == null ? null : header(headers, KafkaSink.HEADER_WINDOW);
            return window == null || selection.window(window);     // no header: decided after decoding
        }

        @Override
        public byte[] deserialize(String topic, byte[] data) {
            return data;
        }

        @Override
        public byte[] deserialize(String topic, Headers headers, byte[] data) {
            return wanted(headers) ? data : null;
        }

        @Override
        public byte[] deserialize(String topic, Headers headers, ByteBuffer data) {
            if (data == null || !wanted(headers)) {
                return null;
            }
            byte[] b = new byte[data.remaining()];
            data.duplicate().get(b);
            return b;
        }
    }
}
