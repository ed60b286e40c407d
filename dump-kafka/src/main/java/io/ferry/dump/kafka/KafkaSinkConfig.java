package io.ferry.dump.kafka;

import io.ferry.dump.spi.SinkConfig;
import io.ferry.dump.spi.SinkConfigException;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of a {@code {"type": "kafka", ...}} sink entry.
 *
 * <table>
 *   <caption>kafka sink fields</caption>
 *   <tr><th>field</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code bootstrap_servers}</td><td>required</td><td>{@code host:port[,host:port...]}</td></tr>
 *   <tr><td>{@code topic}</td><td>required</td><td>the topic the records go to (created beforehand)</td></tr>
 *   <tr><td>{@code instance_id}</td><td>{@code <hostname>/<pid>/<random>}, as in the dump files</td><td>names this proxy in keys and headers</td></tr>
 *   <tr><td>{@code compression_type}</td><td>{@code lz4}</td><td>{@code none}, {@code gzip}, {@code snappy}, {@code lz4}, {@code zstd}</td></tr>
 *   <tr><td>{@code acks}</td><td>{@code all}</td><td>{@code 0}, {@code 1} or {@code all}</td></tr>
 *   <tr><td>{@code enable_idempotence}</td><td>true</td><td>needs {@code acks: all}</td></tr>
 *   <tr><td>{@code linger_ms}</td><td>20</td><td>how long a batch waits for more records</td></tr>
 *   <tr><td>{@code batch_size}</td><td>262144</td><td>bytes per partition batch</td></tr>
 *   <tr><td>{@code buffer_memory}</td><td>33554432</td><td>bytes the producer buffers; beyond, records are dropped ({@code dropped_buffer_full})</td></tr>
 *   <tr><td>{@code delivery_timeout_ms}</td><td>30000</td><td>a record not acknowledged by then is dropped ({@code dropped_send_failed})</td></tr>
 *   <tr><td>{@code producer}</td><td>none</td><td>any other producer setting, by Kafka's name, e.g. {@code security.protocol},
 *       {@code ssl.truststore.location}, {@code sasl.mechanism}, {@code sasl.jaas.config}; names and values are
 *       checked against kafka-clients' own definition ({@link ProducerSettings})</td></tr>
 *   <tr><td>{@code plugin_key_prefixes}</td><td>none</td><td>prefixes of keys that an interceptor, metrics reporter
 *       or other plugin reads from the {@code producer} map; such keys are passed on unchecked</td></tr>
 * </table>
 * {@code max.block.ms} is always 0, the serializers are Ferry's and there are no transactions: the {@code producer}
 * map cannot change them, nor set what a field of the sink sets.
 *
 * @param producerProps the complete producer properties
 * @param userSettings  the entries of the {@code producer} map, as given
 */
record KafkaSinkConfig(String bootstrapServers, String topic, String instanceId, Map<String, Object> producerProps,
                       Map<String, String> userSettings) {

    static final Set<String> FIELDS = Set.of("bootstrap_servers", "topic", "instance_id", "compression_type", "acks",
            "enable_idempotence", "linger_ms", "batch_size", "buffer_memory", "delivery_timeout_ms", "producer",
            "plugin_key_prefixes");
    private static final List<String> COMPRESSION = List.of("none", "gzip", "snappy", "lz4", "zstd");

    static KafkaSinkConfig parse(SinkConfig spec) throws SinkConfigException {
        spec.rejectUnknown(FIELDS);
        String bootstrap = spec.requireString("bootstrap_servers", "host:port[,host:port...] of the Kafka brokers");
        for (String hp : bootstrap.split(",")) {
            String s = hp.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1 || !s.substring(colon + 1).chars().allMatch(Character::isDigit)) {
                throw new SinkConfigException(spec.path("bootstrap_servers"), bootstrap,
                        "host:port[,host:port...] of the Kafka brokers");
            }
        }
        String topic = spec.requireString("topic", "a Kafka topic name");
        if (!topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new SinkConfigException(spec.path("topic"), topic, "a Kafka topic name: 1 to 249 of a-z A-Z 0-9 . _ -");
        }
        String instance = spec.string("instance_id", defaultInstanceId(), "a non-empty string naming this proxy");
        String compression = spec.string("compression_type", "lz4", "one of " + COMPRESSION);
        if (!COMPRESSION.contains(compression)) {
            throw new SinkConfigException(spec.path("compression_type"), compression, "one of " + COMPRESSION);
        }
        Object acksValue = spec.fields().get("acks");
        String acks = acksValue == null ? "all" : acksValue instanceof Number n ? Long.toString(n.longValue()) : String.valueOf(acksValue);
        if (!List.of("0", "1", "all", "-1").contains(acks)) {
            throw new SinkConfigException(spec.path("acks"), acksValue, "0, 1 or \"all\"");
        }
        boolean idempotence = spec.bool("enable_idempotence", acks.equals("all") || acks.equals("-1"));
        if (idempotence && !(acks.equals("all") || acks.equals("-1"))) {
            throw new SinkConfigException(spec.path("enable_idempotence"), true,
                    "false when acks is " + acks + " (idempotence needs acks \"all\")");
        }
        List<String> prefixes = pluginKeyPrefixes(spec);
        Map<String, Object> p = new HashMap<>();
        Map<String, String> pass = spec.stringMap("producer");
        for (Map.Entry<String, String> e : pass.entrySet()) {
            ProducerSettings.checkEntry(spec.path("producer"), e.getKey(), e.getValue(), prefixes);
            p.put(e.getKey(), e.getValue());
        }
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(idempotence));
        long linger = spec.integer("linger_ms", 20, 0, 60_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(linger));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Long.toString(spec.integer("batch_size", 256 << 10, 1, 64 << 20)));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(spec.integer("buffer_memory", 32L << 20, 1 << 20, 4L << 30)));
        long delivery = spec.integer("delivery_timeout_ms", 30_000, 1_000, 3_600_000);
        if (delivery < linger + 1_000) {
            throw new SinkConfigException(spec.path("delivery_timeout_ms"), delivery,
                    "at least linger_ms + 1000 (" + (linger + 1_000) + ")");
        }
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(delivery));
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms (its constructor would fail)
        String requestTimeout = pass.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        if (requestTimeout != null && !requestTimeout.contains("${")
                && delivery < linger + Long.parseLong(requestTimeout)) {
            throw new SinkConfigException(spec.path("delivery_timeout_ms"), delivery,
                    "at least linger_ms + producer.request.timeout.ms (" + (linger + Long.parseLong(requestTimeout))
                            + "), as Kafka requires");
        }
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(30_000, delivery - linger)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "0");
        p.putIfAbsent(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "ferry-dump-" + instance.replaceAll("[^a-zA-Z0-9._-]", "_"));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaSinkConfig(bootstrap, topic, instance, Map.copyOf(p), pass);
    }

    /** {@code plugin_key_prefixes}: keys of the {@code producer} map under these are a plugin's own, passed on. */
    private static List<String> pluginKeyPrefixes(SinkConfig spec) throws SinkConfigException {
        Object v = spec.fields().get("plugin_key_prefixes");
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new SinkConfigException(spec.path("plugin_key_prefixes"), v,
                    "a list of key prefixes, e.g. [\"confluent.monitoring.interceptor.\"]");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            String at = spec.path("plugin_key_prefixes") + "[" + i + "]";
            if (!(l.get(i) instanceof String s)) {
                throw new SinkConfigException(at, l.get(i), "a key prefix ending in \".\"");
            }
            ProducerSettings.checkPrefix(at, s);
            out.add(s);
        }
        return List.copyOf(out);
    }

    /** The process's instance id, the one its dump files name ({@link io.ferry.dump.format.ProxyInstance}). */
    static String defaultInstanceId() {
        return io.ferry.dump.format.ProxyInstance.id();
    }
}
