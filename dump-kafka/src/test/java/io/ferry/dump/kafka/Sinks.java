package io.ferry.dump.kafka;

import io.ferry.dump.spi.DumpSinkProvider;
import io.ferry.dump.spi.SinkConfig;
import io.ferry.dump.spi.SinkConfigException;

import java.util.Map;
import java.util.ServiceLoader;

/** Sink entries for the tests, as tcpcopy hands them to the provider: the first entry of {@code dump.sinks}. */
final class Sinks {

    static final String BASE = "dump.sinks";

    private Sinks() {
    }

    /** The entry {@code fields} at {@code dump.sinks[0]}, named by its {@code name} or {@code kafka}. */
    static SinkConfig config(Map<String, Object> fields) {
        Object name = fields.get("name");
        return new SinkConfig(name instanceof String s ? s : "kafka", "kafka", fields, BASE + "[0]");
    }

    /** The {@code kafka} provider as ServiceLoader finds it, through this module's META-INF/services. */
    static DumpSinkProvider provider() {
        for (DumpSinkProvider p : ServiceLoader.load(DumpSinkProvider.class)) {
            if (p.type().equals("kafka")) {
                return p;
            }
        }
        throw new AssertionError("no kafka DumpSinkProvider registered in META-INF/services");
    }

    /** {@code fields} validated by the provider, as tcpcopy validates an entry when it parses its config. */
    static SinkConfig validated(Map<String, Object> fields) throws SinkConfigException {
        SinkConfig c = config(fields);
        provider().validate(c);
        return c;
    }
}
