package io.ferry.tcpcopy;

import io.ferry.filter.api.spi.Secrets;
import io.ferry.tcpcopy.dump.sink.SinkSpec;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The redaction rule of the config dump, the same as the runtime's {@code config_dump}: filter-api's {@link Secrets}
 * (keys naming a credential, PEM private keys, the user information of URLs), plus the keys the dump sinks declare
 * ({@code sasl.jaas.config} and kafka-clients' other password settings), at any depth. Null values stay null.
 * {@link #secretFields()} knows the sink providers on tcpcopy's own class path; those a runtime finds elsewhere (a
 * plugin directory) are added by {@link #redact(Object, List)} from a config's sinks and by
 * {@link TcpCopyProvider#secretFields()} once {@code create} has seen them.
 */
public final class Redaction {

    public static final String REDACTED = Secrets.REDACTED;

    private Redaction() {
    }

    /** The keys tcpcopy declares secret besides those named like credentials: its dump sinks'. */
    public static Set<String> secretFields() {
        return SinkSpec.secretFields(SinkSpec.classPathProviders().values());
    }

    /** True if a value under {@code key} is redacted. */
    public static boolean isSensitive(String key) {
        return Secrets.isSecretKey(key, secretFields());
    }

    /** A redacted deep copy of {@code value} (maps and lists are copied; other values are kept). */
    public static Object redact(Object value) {
        return Secrets.redact(value, secretFields());
    }

    /**
     * As {@link #redact(Object)}, also hiding the keys the providers of {@code sinks} declare (the sinks of the config
     * being redacted, whose providers may have come from the plugin directory rather than the class path).
     */
    public static Object redact(Object value, List<SinkSpec> sinks) {
        Set<String> keys = new HashSet<>(secretFields());
        keys.addAll(SinkSpec.secretFields(sinks.stream().map(SinkSpec::provider).toList()));
        return Secrets.redact(value, keys);
    }
}
