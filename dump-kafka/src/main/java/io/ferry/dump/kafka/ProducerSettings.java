package io.ferry.dump.kafka;

import io.ferry.filter.api.spi.FilterConfigException;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.common.network.ChannelBuilder;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the Kafka producer settings of a kafka sink against kafka-clients' own {@link ProducerConfig} definition, so
 * that every bad setting stops startup with Ferry's one error format ({@code <json-path>: <value> (expected: ...)})
 * instead of surfacing later, or as a raw Kafka exception.
 *
 * <p>Two stages. {@link #checkEntry} checks one entry of the {@code producer} map on its own: its name (a producer
 * setting of kafka-clients, a config-provider key, or a key under one of the sink's {@code plugin_key_prefixes}; an
 * unknown name gets the closest known name as a hint) and its value (the setting's type and validator).
 * {@link #checkConstructible} then does, offline, what the {@code KafkaProducer} constructor does before it starts
 * its network thread: it builds the {@link ProducerConfig} (cross-setting rules), the channel builder (TLS key and
 * trust stores are loaded, the JAAS config parsed and its login module logged in), resolves the bootstrap host names
 * and loads the plugin classes. It never connects to a broker.
 *
 * <p>Stateless; values of password-type settings are never shown in messages.
 */
final class ProducerSettings {

    private static final ConfigDef DEF = ProducerConfig.configDef();
    /** Shown instead of a password-type value, as kafka-clients itself shows it. */
    private static final Object HIDDEN = new Object() {
        @Override
        public String toString() {
            return "[hidden]";
        }
    };
    /** Settings the sink fixes, with the reason. */
    static final Map<String, String> FIXED = Map.of(
            ProducerConfig.MAX_BLOCK_MS_CONFIG, "the sink never blocks (max.block.ms is 0) and writes bytes",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "the sink never blocks (max.block.ms is 0) and writes bytes",
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "the sink never blocks (max.block.ms is 0) and writes bytes",
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, "the sink does not use transactions");
    /** Producer settings that have a field of the sink entry, by Kafka name. */
    static final Map<String, String> SINK_FIELDS = Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "bootstrap_servers",
            ProducerConfig.COMPRESSION_TYPE_CONFIG, "compression_type",
            ProducerConfig.ACKS_CONFIG, "acks",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "enable_idempotence",
            ProducerConfig.LINGER_MS_CONFIG, "linger_ms",
            ProducerConfig.BATCH_SIZE_CONFIG, "batch_size",
            ProducerConfig.BUFFER_MEMORY_CONFIG, "buffer_memory",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "delivery_timeout_ms");
    /** The SASL mechanisms kafka-clients implements; others need {@code sasl.client.callback.handler.class}. */
    static final List<String> SASL_MECHANISMS = List.of("GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
            "OAUTHBEARER");
    private static final Pattern CONFIG_PROVIDER_KEY = Pattern.compile(
            Pattern.quote(AbstractConfig.CONFIG_PROVIDERS_CONFIG) + "(\\.[^.]+\\.(class|param\\..+))?");
    private static final Pattern KAFKA_MESSAGE = Pattern.compile("Invalid value .* for configuration [^:]+: (.*)",
            Pattern.DOTALL);

    /**
     * kafka-clients' credential settings: every producer setting of type {@code PASSWORD} ({@code sasl.jaas.config},
     * {@code ssl.key.password}, {@code ssl.keystore.password}, {@code ssl.truststore.password},
     * {@code ssl.keystore.key}, ...), read from its own definition, so a setting added by a later kafka-clients is
     * covered too.
     */
    static final java.util.Set<String> SECRET_SETTINGS = secretSettings();

    private ProducerSettings() {
    }

    private static java.util.Set<String> secretSettings() {
        java.util.Set<String> s = new java.util.TreeSet<>();
        DEF.configKeys().forEach((name, key) -> {
            if (key.type == ConfigDef.Type.PASSWORD) {
                s.add(name);
            }
        });
        s.add(org.apache.kafka.common.config.SaslConfigs.SASL_JAAS_CONFIG);
        return java.util.Collections.unmodifiableSet(s);
    }

    /**
     * Checks the name and value of one {@code producer} entry.
     *
     * @param path     the JSON path of the {@code producer} object
     * @param prefixes the sink's {@code plugin_key_prefixes}: keys under them are passed on unchecked
     */
    static void checkEntry(String path, String name, String value, List<String> prefixes)
            throws FilterConfigException {
        String at = path + "." + name;
        if (FIXED.containsKey(name)) {
            throw new FilterConfigException(at, value, "not set here: " + FIXED.get(name));
        }
        if (SINK_FIELDS.containsKey(name)) {
            throw new FilterConfigException(at, value, "not set here: use the sink's own field \""
                    + SINK_FIELDS.get(name) + "\"");
        }
        ConfigDef.ConfigKey key = DEF.configKeys().get(name);
        if (key == null) {
            if (CONFIG_PROVIDER_KEY.matcher(name).matches() || prefixes.stream().anyMatch(name::startsWith)) {
                return;
            }
            String hint = Suggestions.closest(name, DEF.names());
            throw new FilterConfigException(at, value, "a Kafka producer setting"
                    + (hint != null ? ": did you mean \"" + hint + "\"?" : ", e.g. security.protocol, "
                    + "ssl.truststore.location, sasl.mechanism")
                    + " (a plugin's own keys need their prefix in plugin_key_prefixes)");
        }
        if (value.contains("${")) {
            return;                         // a config-provider variable: checked once resolved, by checkConstructible
        }
        Object shown = key.type == ConfigDef.Type.PASSWORD ? HIDDEN : value;
        Object parsed;
        try {
            parsed = ConfigDef.parseType(name, value, key.type);
        } catch (ConfigException e) {
            throw new FilterConfigException(at, shown, expected(key));
        }
        if (key.validator != null) {
            try {
                key.validator.ensureValid(name, parsed);
            } catch (ConfigException e) {
                throw new FilterConfigException(at, shown, expected(key));
            }
        }
    }

    /** Checks the names under {@code plugin_key_prefixes}: each must not hide a Kafka setting's typo. */
    static void checkPrefix(String at, String prefix) throws FilterConfigException {
        if (prefix.isBlank() || !prefix.endsWith(".")) {
            throw new FilterConfigException(at, prefix, "a key prefix ending in \".\", e.g. \"confluent.monitoring.interceptor.\"");
        }
        for (String n : new TreeSet<>(DEF.names())) {
            if (n.startsWith(prefix) || prefix.startsWith(n + ".")) {
                throw new FilterConfigException(at, prefix, "a prefix of a plugin's own keys, not of Kafka producer "
                        + "settings (it covers " + n + ")");
            }
        }
        if (prefix.startsWith(AbstractConfig.CONFIG_PROVIDERS_CONFIG + ".")) {
            throw new FilterConfigException(at, prefix, "a prefix of a plugin's own keys (config.providers keys are "
                    + "always accepted)");
        }
    }

    /**
     * Does, without any network I/O to a broker, what the {@code KafkaProducer} constructor checks before it starts.
     *
     * @param path  the JSON path of the sink entry
     * @param props the complete producer properties
     * @param user  the entries the user set in the {@code producer} map (for paths and shown values)
     */
    static void checkConstructible(String path, Map<String, Object> props, Map<String, String> user)
            throws FilterConfigException {
        ProducerConfig config;
        try {
            config = new ProducerConfig(props);
        } catch (ConfigException e) {
            String name = mentioned(e.getMessage(), props.keySet());
            throw new FilterConfigException(at(path, name), shown(name, props), kafkaSays(e));
        }
        checkSaslMechanism(path, config, user);
        for (String store : List.of("ssl.truststore.location", "ssl.keystore.location")) {
            String file = config.getString(store);     // checked here: kafka-clients logs a stack trace first
            if (file != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(file))) {
                throw new FilterConfigException(at(path, store), file, securityExpected(store, config)
                        + "; no readable file at that path");
            }
        }
        ChannelBuilder channels;
        try {
            channels = ClientUtils.createChannelBuilder(config, Time.SYSTEM, new LogContext("[ferry kafka sink] "));
        } catch (RuntimeException e) {
            String name = securitySetting(e, config);
            throw new FilterConfigException(at(path, name), shown(name, props), securityExpected(name, config)
                    + "; " + kafkaSays(e));
        }
        try {
            channels.close();
        } catch (Exception ignored) {
            // nothing was opened that needs more than a best effort
        }
        try {
            ClientUtils.parseAndValidateAddresses(config);
        } catch (ConfigException e) {
            throw new FilterConfigException(path + ".bootstrap_servers", props.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG),
                    "host names this host can resolve; " + kafkaSays(e));
        }
        checkClasses(path, config, ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, ProducerInterceptor.class);
        checkClasses(path, config, ProducerConfig.METRIC_REPORTER_CLASSES_CONFIG, MetricsReporter.class);
        Class<?> partitioner = config.getClass(ProducerConfig.PARTITIONER_CLASS_CONFIG);
        if (partitioner != null && !Partitioner.class.isAssignableFrom(partitioner)) {
            throw new FilterConfigException(at(path, ProducerConfig.PARTITIONER_CLASS_CONFIG), partitioner.getName(),
                    "a class implementing " + Partitioner.class.getName());
        }
    }

    /** An unknown mechanism would only fail when the producer connects; kafka-clients implements these five. */
    private static void checkSaslMechanism(String path, ProducerConfig config, Map<String, String> user)
            throws FilterConfigException {
        String mechanism = config.getString(SaslConfigs.SASL_MECHANISM);
        boolean sasl = config.getString(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG).toUpperCase().startsWith("SASL_");
        if (sasl && !SASL_MECHANISMS.contains(mechanism)
                && config.getClass(SaslConfigs.SASL_CLIENT_CALLBACK_HANDLER_CLASS) == null) {
            throw new FilterConfigException(at(path, SaslConfigs.SASL_MECHANISM), user.get(SaslConfigs.SASL_MECHANISM),
                    "one of " + String.join(", ", SASL_MECHANISMS) + ", or another mechanism with "
                            + SaslConfigs.SASL_CLIENT_CALLBACK_HANDLER_CLASS + " set");
        }
    }

    private static void checkClasses(String path, ProducerConfig config, String name, Class<?> type)
            throws FilterConfigException {
        for (String c : config.getList(name)) {
            Class<?> k;
            try {
                k = Class.forName(c.trim(), false, classLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new FilterConfigException(at(path, name), String.join(",", config.getList(name)),
                        "class names on the proxy's class path (" + c.trim() + " is not)");
            }
            if (!type.isAssignableFrom(k)) {
                throw new FilterConfigException(at(path, name), String.join(",", config.getList(name)),
                        "classes implementing " + type.getName() + " (" + c.trim() + " does not)");
            }
        }
    }

    private static ClassLoader classLoader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : ProducerSettings.class.getClassLoader();
    }

    /** The path of producer setting {@code name}: the sink field that sets it, or {@code producer.<name>}. */
    static String at(String sinkPath, String name) {
        if (name == null) {
            return sinkPath + ".producer";
        }
        String field = SINK_FIELDS.get(name);
        return field != null ? sinkPath + "." + field : sinkPath + ".producer." + name;
    }

    private static Object shown(String name, Map<String, Object> props) {
        if (name == null) {
            return "{...}";
        }
        ConfigDef.ConfigKey key = DEF.configKeys().get(name);
        Object v = props.get(name);
        return v != null && key != null && key.type == ConfigDef.Type.PASSWORD ? HIDDEN : v;
    }

    /** The longest setting name that {@code message} mentions, or null. */
    private static String mentioned(String message, Set<String> names) {
        String best = null;
        for (String n : names) {
            if (message != null && message.contains(n) && (best == null || n.length() > best.length())) {
                best = n;
            }
        }
        return best;
    }

    /** Which TLS or SASL setting a channel-builder failure is about: the store whose file it names, else by topic. */
    private static String securitySetting(Throwable e, ProducerConfig config) {
        String text = messages(e);
        for (String store : List.of("ssl.truststore.location", "ssl.keystore.location")) {
            String file = config.getString(store);
            if (file != null && text.contains(file)) {
                return store;
            }
        }
        String lower = text.toLowerCase();
        boolean sasl = config.getString(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG).toUpperCase().startsWith("SASL_");
        if (lower.contains("truststore") || lower.contains("trust store")) {
            return "ssl.truststore.location";
        }
        if (lower.contains("keystore") || lower.contains("key store")) {
            return "ssl.keystore.location";
        }
        if (sasl && (lower.contains("jaas") || lower.contains("login") || lower.contains("semi-colon"))) {
            return SaslConfigs.SASL_JAAS_CONFIG;
        }
        return sasl ? SaslConfigs.SASL_MECHANISM : CommonClientConfigs.SECURITY_PROTOCOL_CONFIG;
    }

    private static String securityExpected(String name, ProducerConfig config) {
        return switch (name) {
            case "ssl.truststore.location" -> "a readable trust store of type "
                    + config.getString("ssl.truststore.type") + " (ssl.truststore.type) with its password, if any";
            case "ssl.keystore.location" -> "a readable key store of type "
                    + config.getString("ssl.keystore.type") + " (ssl.keystore.type) with its passwords, if any";
            case SaslConfigs.SASL_JAAS_CONFIG -> "a JAAS entry for sasl.mechanism "
                    + config.getString(SaslConfigs.SASL_MECHANISM)
                    + ", e.g. \"<LoginModule class> required username=\\\"...\\\" password=\\\"...\\\";\"";
            default -> "TLS and SASL settings kafka-clients can use";
        };
    }

    /** "kafka-clients says: ..." with the messages of {@code e} and its causes, each once. */
    private static String kafkaSays(Throwable e) {
        return "kafka-clients says: " + messages(e);
    }

    private static String messages(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null) {
                continue;
            }
            Matcher km = KAFKA_MESSAGE.matcher(m);
            if (km.matches()) {
                m = km.group(1);
            }
            String last = parts.isEmpty() ? "" : parts.get(parts.size() - 1);
            if (!last.contains(m)) {
                parts.add(m);
            } else if (t != e && !last.contains(t.getClass().getName())) {   // e.g. NoSuchFileException: the file
                parts.set(parts.size() - 1, last + " (" + t.getClass().getSimpleName() + ")");
            }
        }
        return parts.isEmpty() ? e.getClass().getName() : String.join(": ", parts);
    }

    /** What a value of {@code key} must be, from its type and validator. */
    static String expected(ConfigDef.ConfigKey key) {
        ConfigDef.Validator v = key.validator;
        if (v instanceof ConfigDef.ValidString || v instanceof ConfigDef.CaseInsensitiveValidString) {
            String s = v.toString();
            List<String> items = new ArrayList<>(Arrays.asList(
                    s.substring(s.indexOf('[') + 1, s.lastIndexOf(']')).split(",\\s*")));
            if (Set.copyOf(items).equals(Set.copyOf(SecurityProtocol.names()))) {
                items.sort(Comparator.comparingInt(n -> SecurityProtocol.valueOf(n).id));
            }
            return "one of " + String.join(", ", items);
        }
        String type = switch (key.type) {
            case BOOLEAN -> "true or false";
            case INT, SHORT, LONG -> "an integer";
            case DOUBLE -> "a number";
            case LIST -> "a comma-separated list";
            case CLASS -> "the name of a class on the proxy's class path";
            default -> "a string";
        };
        if (v instanceof ConfigDef.Range) {
            Matcher m = Pattern.compile("\\[(-?[0-9.E]+)?,\\.\\.\\.(?:,(-?[0-9.E]+))?]").matcher(v.toString());
            if (m.matches()) {
                String min = m.group(1);
                String max = m.group(2);
                return type + (min != null && max != null ? " from " + min + " to " + max
                        : min != null ? " of at least " + min : max != null ? " of at most " + max : "");
            }
        }
        return v == null || v instanceof ConfigDef.NonNullValidator ? type : type + " (" + v + ")";
    }
}
