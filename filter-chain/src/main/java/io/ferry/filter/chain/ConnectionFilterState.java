package io.ferry.filter.chain;

import io.ferry.filter.api.FilterState;

import java.util.HashMap;
import java.util.Objects;

/**
 * The {@link FilterState} of one {@link ChainConnection}: entries by name, each remembering the key it was set with.
 * The map is created on the first {@code set}, so a connection whose filters share nothing allocates nothing. Used on
 * the connection's thread only (checked on every call).
 */
final class ConnectionFilterState implements FilterState {

    private final ChainConnection connection;
    private HashMap<String, Entry> entries;

    private record Entry(Key<?> key, Object value) {
    }

    ConnectionFilterState(ChainConnection connection) {
        this.connection = connection;
    }

    @Override
    public <T> void set(Key<T> key, T value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, () -> "value of " + key + " (use remove() to clear it)");
        checkThread("set");
        key.cast(value);
        if (entries == null) {
            entries = new HashMap<>(4);
        }
        Entry old = entries.get(key.name());
        if (old != null) {
            checkSameKey(old, key);
            if (key.isReadOnly()) {
                throw new IllegalStateException("filter state " + key + " of connection " + connection.id()
                        + " is read-only and already set; it can be set once per connection");
            }
        }
        entries.put(key.name(), new Entry(key, value));
    }

    @Override
    public <T> T get(Key<T> key) {
        Objects.requireNonNull(key, "key");
        checkThread("get");
        Entry e = entries == null ? null : entries.get(key.name());
        if (e == null) {
            return null;
        }
        checkSameKey(e, key);
        return key.cast(e.value());
    }

    @Override
    public <T> T remove(Key<T> key) {
        Objects.requireNonNull(key, "key");
        checkThread("remove");
        Entry e = entries == null ? null : entries.get(key.name());
        if (e == null) {
            return null;
        }
        checkSameKey(e, key);
        if (key.isReadOnly()) {
            throw new IllegalStateException("filter state " + key + " of connection " + connection.id()
                    + " is read-only; it cannot be removed");
        }
        entries.remove(key.name());
        return key.cast(e.value());
    }

    private void checkSameKey(Entry e, Key<?> key) {
        if (!e.key().equals(key)) {
            throw new IllegalStateException("filter state \"" + key.name() + "\" of connection " + connection.id()
                    + " was set with " + e.key() + ", not " + key + "; the filters sharing a name must use equal keys");
        }
    }

    private void checkThread(String method) {
        if (!connection.inEventLoop()) {
            throw new IllegalStateException("FilterState." + method + "() called on thread \""
                    + Thread.currentThread().getName() + "\", off connection " + connection.id()
                    + "'s thread; use it in a callback or in connection.execute(...)");
        }
    }

    @Override
    public String toString() {
        return "FilterState" + (entries == null ? "{}" : entries.keySet());
    }
}
