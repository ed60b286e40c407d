package io.ferry.filter.api;

import java.util.Objects;

/**
 * Typed values that the filters of one connection share: an earlier filter sets a value, a later one reads it. A
 * filter that reads a routing key from the first bytes stores an {@link io.ferry.filter.api.upstream.UpstreamRoute}
 * under {@link io.ferry.filter.api.upstream.UpstreamRoute#KEY}, and {@code tcp_proxy}, reached later, connects to
 * the cluster it names. Envoy: {@code StreamInfo::FilterState}; MOSN keeps such values as variables of the
 * connection's context.
 *
 * <pre>{@code
 * // one key, shared by the filters that agree on it (a constant of the filter that owns the value)
 * static final FilterState.Key<String> TENANT = FilterState.Key.of("acme.tenant", String.class);
 *
 * // an earlier filter, in onData:
 * callbacks.connection().filterState().set(TENANT, "blue");
 * // a later filter (on the same connection), in onNewConnection or onData:
 * String tenant = callbacks.connection().filterState().get(TENANT);   // null if nobody set it
 * }</pre>
 *
 * <h2>Keys</h2>
 * A {@link Key} has a name and a value type. A name names one entry: the filters that share a value use equal keys
 * (same name, type and mutability), usually one constant. Using a name with a key of another type or mutability than
 * the entry was set with throws {@link IllegalStateException}: two filters disagree about what the name holds. Names
 * follow the filter types' convention: vendor-prefixed ({@code acme.tenant}); the prefix {@code ferry.} is Ferry's.
 *
 * <h2>Mutability</h2>
 * A key made with {@link Key#of} may be set again (the new value replaces the old one) and removed. A key made with
 * {@link Key#readOnly} is set at most once, for the connection's lifetime: a later {@code set} or {@code remove}
 * throws {@link IllegalStateException}, so a filter further down the chain cannot change a decision an earlier one
 * took (an authenticated identity, say). The state stores references: every filter that reads a key sees the same
 * object, so store immutable values (strings, records, {@code List.of(...)}).
 *
 * <h2>Order</h2>
 * A value is visible to every filter from the moment it is set, in every callback that runs afterwards. Because read
 * filters run in order, a filter sees what the filters before it set in earlier callbacks and in the current pass; a
 * terminal filter such as {@code tcp_proxy} reads its keys when the chain first reaches it
 * ({@code onNewConnection}), so a filter that sets a routing key must set it before it lets the pass go on (see
 * {@link ReadFilter}, "holding a connection").
 *
 * <h2>Threading</h2>
 * The state belongs to its connection's thread: every method must be called there (in a filter callback, an event
 * listener, or a task passed to {@link Connection#execute}), and throws {@link IllegalStateException} when called
 * from another thread. It needs no locks.
 *
 * <h2>Lifetime</h2>
 * One state per connection, empty when the connection is accepted; values are dropped with the connection.
 */
@Experimental
public interface FilterState {

    /**
     * Sets the value of {@code key}, replacing the previous one if the key is mutable.
     *
     * @throws NullPointerException  if {@code value} is {@code null} (use {@link #remove})
     * @throws IllegalStateException if the key is {@linkplain Key#readOnly read-only} and already set, if the name
     *                               holds an entry set with another key, or if called off the connection's thread
     */
    <T> void set(Key<T> key, T value);

    /**
     * The value of {@code key}, or {@code null} if none is set.
     *
     * @throws IllegalStateException if the name holds an entry set with another key, or if called off the
     *                               connection's thread
     */
    <T> T get(Key<T> key);

    /** True if {@code key} has a value. Same exceptions as {@link #get}. */
    default boolean has(Key<?> key) {
        return get(key) != null;
    }

    /**
     * Removes the value of {@code key} and returns it, or {@code null} if none was set.
     *
     * @throws IllegalStateException if the key is read-only and set, if the name holds an entry set with another
     *                               key, or if called off the connection's thread
     */
    <T> T remove(Key<T> key);

    /**
     * The name and value type of one entry of a {@link FilterState}. Immutable; equal when name, type and mutability
     * are equal.
     *
     * @param <T> the type of the value
     */
    final class Key<T> {
        private final String name;
        private final Class<T> type;
        private final boolean readOnly;

        private Key(String name, Class<T> type, boolean readOnly) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a filter state key needs a name, e.g. \"acme.tenant\"");
            }
            this.name = name;
            this.type = type;
            this.readOnly = readOnly;
        }

        /** A key whose value may be replaced and removed. */
        public static <T> Key<T> of(String name, Class<T> type) {
            return new Key<>(name, type, false);
        }

        /** A key whose value is set at most once per connection and never removed. */
        public static <T> Key<T> readOnly(String name, Class<T> type) {
            return new Key<>(name, type, true);
        }

        public String name() {
            return name;
        }

        public Class<T> type() {
            return type;
        }

        public boolean isReadOnly() {
            return readOnly;
        }

        /** {@code value} as this key's type; throws {@link ClassCastException} if it is not one. */
        public T cast(Object value) {
            return type.cast(value);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key<?> k && k.name.equals(name) && k.type == type && k.readOnly == readOnly;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + type.hashCode();
        }

        @Override
        public String toString() {
            return "Key(" + name + ": " + type.getName() + (readOnly ? ", read-only)" : ")");
        }
    }
}
