package io.ferry.dump.kafka;

import io.ferry.dump.spi.DumpSink;
import io.ferry.dump.spi.DumpSinkProvider;
import io.ferry.dump.spi.SinkConfig;
import io.ferry.dump.spi.SinkConfigException;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Registers the {@code kafka} dump sink ({@link KafkaSink}) through the dump sink SPI ({@code io.ferry.dump.spi}).
 *
 * <p>{@link #validate} (when the tcpcopy config is parsed) checks every field and every producer setting, and does,
 * offline, what the {@link KafkaProducer} constructor checks ({@link ProducerSettings#checkConstructible}): a bad
 * setting, a missing trust store or a bad JAAS config stops startup with the one error format, and no broker is
 * contacted. {@link #create} (when the dump writer starts, i.e. while the proxy starts) constructs the producer at
 * once; should its constructor still fail, the error names the sink's path too. Both run with this module's class
 * loader as the context class loader ({@link PluginContext}), so the classes settings name come from the plugin.
 * Stateless and thread-safe.
 */
public final class KafkaSinkProvider implements DumpSinkProvider {

    @Override
    public String type() {
        return "kafka";
    }

    /**
     * kafka-clients' credential settings (type {@code PASSWORD} in its own definition: {@code sasl.jaas.config},
     * {@code ssl.key.password}, {@code ssl.keystore.password}, {@code ssl.truststore.password}, ...), hidden wherever
     * they appear in the {@code producer} map.
     */
    @Override
    public java.util.Set<String> secretFields() {
        return ProducerSettings.SECRET_SETTINGS;
    }

    @Override
    public void validate(SinkConfig spec) throws SinkConfigException {
        PluginContext.<Void, SinkConfigException>call(() -> {
            KafkaSinkConfig c = KafkaSinkConfig.parse(spec);
            ProducerSettings.checkConstructible(spec.path(), c.producerProps(), c.userSettings());
            return null;
        });
    }

    @Override
    public DumpSink create(SinkConfig spec) {
        KafkaSinkConfig c;
        try {
            c = KafkaSinkConfig.parse(spec);
        } catch (SinkConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);   // validate() accepted it before
        }
        try {
            return PluginContext.<KafkaSink, RuntimeException>call(() -> new KafkaSink(c));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(new SinkConfigException(spec.path("producer"), "{...}",
                    "settings the Kafka producer accepts; kafka-clients says: " + e.getMessage()).getMessage(), e);
        }
    }
}
