package io.ferry.dump.kafka;

import io.ferry.dump.spi.DumpSink;
import io.ferry.dump.spi.SinkConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad producer setting stops startup with Ferry's one error format naming the full path, checked against
 * kafka-clients' own definition and, offline, against what the producer's constructor checks. No broker runs here:
 * none is needed, and none is contacted.
 */
class KafkaSinkStartupErrorTest {

    private static final String BASE = "dump.sinks";
    private static final String P = BASE + "[0].producer.";

    @TempDir
    Path dir;

    private static Map<String, Object> sink(Map<String, Object> producer, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "kafka");
        m.put("bootstrap_servers", "127.0.0.1:9092");
        m.put("topic", "ferry-dumps");
        m.put("producer", producer);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /**
     * Validates the sink entry as tcpcopy does when it parses its config (the provider found by type, then asked to
     * validate); the message is the provider's. tcpcopy shows it in the same format, with values under keys that name
     * a credential hidden (ferry-cli's KafkaPluginIT checks that through the plugin directory).
     */
    private static String error(Map<String, Object> producer, Object... kv) {
        return assertThrows(SinkConfigException.class, () -> Sinks.validated(sink(producer, kv))).getMessage();
    }

    private static void accepted(Map<String, Object> producer, Object... kv) throws Exception {
        Sinks.validated(sink(producer, kv));
    }

    @Test
    void unknownNameGetsTheClosestKafkaSettingAsAHint() {
        assertEquals(P + "securty.protocol: \"SSL\" (expected: a Kafka producer setting: did you mean "
                        + "\"security.protocol\"? (a plugin's own keys need their prefix in plugin_key_prefixes))",
                error(Map.of("securty.protocol", "SSL")));
        assertEquals(P + "ssl.trustore.location: \"/x\" (expected: a Kafka producer setting: did you mean "
                        + "\"ssl.truststore.location\"? (a plugin's own keys need their prefix in plugin_key_prefixes))",
                error(Map.of("ssl.trustore.location", "/x")));
        assertEquals(P + "no.such: \"1\" (expected: a Kafka producer setting, e.g. security.protocol, "
                        + "ssl.truststore.location, sasl.mechanism (a plugin's own keys need their prefix in "
                        + "plugin_key_prefixes))",
                error(Map.of("no.such", 1)));
    }

    @Test
    void valuesAreCheckedAgainstKafkasOwnTypesAndValidators() {
        assertEquals(P + "security.protocol: \"BOGUS\" (expected: one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)", error(Map.of("security.protocol", "BOGUS")));
        assertEquals(P + "client.dns.lookup: \"default\" (expected: one of use_all_dns_ips, "
                + "resolve_canonical_bootstrap_servers_only)", error(Map.of("client.dns.lookup", "default")));
        assertEquals(P + "max.in.flight.requests.per.connection: \"0\" (expected: an integer of at least 1)",
                error(Map.of("max.in.flight.requests.per.connection", 0)));
        assertEquals(P + "retries: \"many\" (expected: an integer from 0 to 2147483647)",
                error(Map.of("retries", "many")));
        assertEquals(P + "request.timeout.ms: \"1.5\" (expected: an integer of at least 0)",
                error(Map.of("request.timeout.ms", 1.5)));
        assertEquals(P + "partitioner.ignore.keys: \"sometimes\" (expected: true or false)",
                error(Map.of("partitioner.ignore.keys", "sometimes")));
        assertEquals(P + "partitioner.class: \"com.example.NoSuchPartitioner\" (expected: the name of a class on the "
                + "proxy's class path)", error(Map.of("partitioner.class", "com.example.NoSuchPartitioner")));
    }

    @Test
    void settingsTheSinkOwnsOrFixesAreRefused() {
        assertEquals(P + "acks: \"0\" (expected: not set here: use the sink's own field \"acks\")",
                error(Map.of("acks", "0")));
        assertEquals(P + "bootstrap.servers: \"k:9092\" (expected: not set here: use the sink's own field "
                + "\"bootstrap_servers\")", error(Map.of("bootstrap.servers", "k:9092")));
        assertEquals(P + "max.block.ms: \"60000\" (expected: not set here: the sink never blocks (max.block.ms is 0) "
                + "and writes bytes)", error(Map.of("max.block.ms", 60000)));
        assertEquals(P + "transactional.id: \"t\" (expected: not set here: the sink does not use transactions)",
                error(Map.of("transactional.id", "t")));
    }

    @Test
    void crossSettingRulesOfKafkaNameTheSettingAndQuoteKafka() {
        assertEquals(P + "max.in.flight.requests.per.connection: \"9\" (expected: kafka-clients says: To use the "
                        + "idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. "
                        + "Current value is 9.)",
                error(Map.of("max.in.flight.requests.per.connection", 9)));
        assertEquals(BASE + "[0].delivery_timeout_ms: 30000 (expected: at least linger_ms + producer.request.timeout.ms "
                        + "(40020), as Kafka requires)",
                error(Map.of("request.timeout.ms", 40000)));
    }

    @Test
    void aMissingTrustStoreStopsStartupWithItsPath() {
        Path missing = dir.resolve("missing.p12");
        assertEquals(P + "ssl.truststore.location: \"" + missing + "\" (expected: a readable trust store of type "
                        + "PKCS12 (ssl.truststore.type) with its password, if any; no readable file at that path)",
                error(Map.of("security.protocol", "SSL", "ssl.truststore.location", missing.toString(),
                        "ssl.truststore.type", "PKCS12")));
    }

    @Test
    void aTrustStoreThatIsNotOneStopsStartupWithWhatKafkaSays() throws Exception {
        Path garbage = java.nio.file.Files.writeString(dir.resolve("garbage.p12"), "not a key store");
        String e = error(Map.of("security.protocol", "SSL", "ssl.truststore.location", garbage.toString(),
                "ssl.truststore.type", "PKCS12"));
        assertTrue(e.startsWith(P + "ssl.truststore.location: \"" + garbage + "\" (expected: a readable trust store "
                + "of type PKCS12 (ssl.truststore.type) with its password, if any; kafka-clients says: "), e);
    }

    @Test
    void badSaslSettingsStopStartupAndNeverShowTheSecret() {
        String noSemicolon = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
                + "password=\"secret\"";
        String e = error(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", noSemicolon));
        assertEquals(P + "sasl.jaas.config: [hidden] (expected: a JAAS entry for sasl.mechanism PLAIN, e.g. "
                + "\"<LoginModule class> required username=\\\"...\\\" password=\\\"...\\\";\"; kafka-clients says: "
                + "JAAS config entry not terminated by semi-colon)", e);
        assertTrue(!e.contains("secret"), e);

        assertEquals(P + "sasl.jaas.config: missing (expected: a JAAS entry for sasl.mechanism PLAIN, e.g. "
                        + "\"<LoginModule class> required username=\\\"...\\\" password=\\\"...\\\";\"; kafka-clients "
                        + "says: Could not find a 'KafkaClient' entry in the JAAS configuration. System property "
                        + "'java.security.auth.login.config' is not set)",
                error(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN")));

        assertEquals(P + "sasl.jaas.config: [hidden] (expected: a JAAS entry for sasl.mechanism PLAIN, e.g. "
                        + "\"<LoginModule class> required username=\\\"...\\\" password=\\\"...\\\";\"; kafka-clients "
                        + "says: javax.security.auth.login.LoginException: No LoginModule found for com.example.Nope)",
                error(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                        "sasl.jaas.config", "com.example.Nope required;")));

        assertEquals(P + "sasl.mechanism: \"SCRAM-SHA-1\" (expected: one of GSSAPI, PLAIN, SCRAM-SHA-256, "
                        + "SCRAM-SHA-512, OAUTHBEARER, or another mechanism with sasl.client.callback.handler.class set)",
                error(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-1", "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";")));
    }

    @Test
    void configProviderVariablesAreResolvedThenChecked() throws Exception {
        Path secrets = Files.writeString(dir.resolve("kafka.properties"),
                "good=org.apache.kafka.common.security.plain.PlainLoginModule required username\\=\"u\" password\\=\"p\";\n"
                        + "bad=org.apache.kafka.common.security.plain.PlainLoginModule required\n");
        Map<String, Object> producer = new LinkedHashMap<>(Map.of("config.providers", "file",
                "config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider",
                "security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"));
        producer.put("sasl.jaas.config", "${file:" + secrets + ":good}");
        accepted(producer);
        producer.put("sasl.jaas.config", "${file:" + secrets + ":bad}");
        assertEquals(P + "sasl.jaas.config: [hidden] (expected: a JAAS entry for sasl.mechanism PLAIN, e.g. "
                + "\"<LoginModule class> required username=\\\"...\\\" password=\\\"...\\\";\"; kafka-clients says: "
                + "JAAS config entry not terminated by semi-colon)", error(producer));
    }

    @Test
    void pluginKeysPassOnlyUnderADeclaredPrefixThatHidesNoKafkaSetting() throws Exception {
        assertEquals(P + "acme.tracing.endpoint: \"http://127.0.0.1:1\" (expected: a Kafka producer setting, e.g. "
                        + "security.protocol, ssl.truststore.location, sasl.mechanism (a plugin's own keys need their "
                        + "prefix in plugin_key_prefixes))",
                error(Map.of("acme.tracing.endpoint", "http://127.0.0.1:1")));
        accepted(Map.of("acme.tracing.endpoint", "http://127.0.0.1:1"), "plugin_key_prefixes", List.of("acme."));
        assertEquals(BASE + "[0].plugin_key_prefixes[0]: \"ssl.\" (expected: a prefix of a plugin's own keys, not of "
                        + "Kafka producer settings (it covers ssl.cipher.suites))",
                error(Map.of(), "plugin_key_prefixes", List.of("ssl.")));
        assertEquals(BASE + "[0].plugin_key_prefixes[0]: \"acme\" (expected: a key prefix ending in \".\", e.g. "
                + "\"confluent.monitoring.interceptor.\")", error(Map.of(), "plugin_key_prefixes", List.of("acme")));
        assertEquals(P + "interceptor.classes: \"com.example.NoSuchInterceptor\" (expected: class names on the proxy's "
                        + "class path (com.example.NoSuchInterceptor is not))",
                error(Map.of("interceptor.classes", "com.example.NoSuchInterceptor")));
        assertEquals(P + "interceptor.classes: \"java.lang.String\" (expected: classes implementing "
                        + "org.apache.kafka.clients.producer.ProducerInterceptor (java.lang.String does not))",
                error(Map.of("interceptor.classes", "java.lang.String")));
    }

    @Test
    void theProducerIsConstructedWithTheSinkNotOnTheFirstRecord() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();          // nothing listens there once closed: no broker is needed
        }
        String thread = "kafka-producer-network-thread | ferry-dump-eager";
        Map<String, Object> fields = sink(Map.of(), "bootstrap_servers", "127.0.0.1:" + closedPort, "instance_id", "eager");
        DumpSink sink = Sinks.provider().create(Sinks.validated(fields));
        try {
            assertTrue(threadRunning(thread), "the producer exists as soon as the sink does, before any record");
        } finally {
            sink.close();
        }
        KafkaSinkBrokerIT.await("the producer closed with the sink", () -> !threadRunning(thread));
    }

    private static boolean threadRunning(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
