package io.ferry.filter.chain;

import io.ferry.filter.api.spi.PluginScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The {@link PluginScope}s of one runtime, one per filter type, shared by the proxy runtime and the test kit. A
 * runtime creates one {@code PluginScopes}, hands {@link #of(String)} to every {@code FilterConfig} of a type, and
 * {@link #close()}s it when it stops, after its factories. Thread-safe.
 */
public final class PluginScopes implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("io.ferry.filter.chain");

    private final Map<String, Scope> scopes = new LinkedHashMap<>();
    private boolean closed;

    /** The scope of {@code type}, created on first use. */
    public synchronized PluginScope of(String type) {
        Objects.requireNonNull(type, "type");
        if (closed) {
            throw new IllegalStateException("the plugin scopes of this runtime are closed; the runtime has stopped");
        }
        return scopes.computeIfAbsent(type, Scope::new);
    }

    /**
     * Closes every scope: each value that implements {@link AutoCloseable} is closed, scopes in reverse order of
     * creation, values in reverse order of creation within a scope. A failing close is logged; the others still run.
     */
    @Override
    public void close() {
        List<Scope> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(scopes.values());
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).close();
        }
    }

    private static final class Scope implements PluginScope {
        private final String type;
        private final Map<Class<?>, Object> values = new HashMap<>();
        private final List<Object> order = new ArrayList<>();
        private final List<Class<?>> creating = new ArrayList<>();
        private boolean closed;

        Scope(String type) {
            this.type = type;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public <T> T computeIfAbsent(Class<T> key, Supplier<? extends T> create) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(create, "create");
            // one lock per scope, held while create runs, so that a value is created once; create may use the scope
            // for other keys (the lock is reentrant), never for the key it is creating
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the plugin scope of \"" + type + "\" is closed; the runtime has"
                            + " stopped");
                }
                Object v = values.get(key);
                if (v != null) {
                    return key.cast(v);
                }
                if (creating.contains(key)) {
                    throw new IllegalStateException("plugin scope of \"" + type + "\": creating " + key.getName()
                            + " asked for " + key.getName() + " again");
                }
                creating.add(key);
                T created;
                try {
                    created = Objects.requireNonNull(create.get(), () -> "plugin scope of \"" + type
                            + "\": the supplier of " + key.getName() + " returned null");
                } finally {
                    creating.remove(key);
                }
                values.put(key, key.cast(created));
                order.add(created);
                return created;
            }
        }

        void close() {
            List<Object> toClose;
            synchronized (this) {
                closed = true;
                toClose = new ArrayList<>(order);
                values.clear();
                order.clear();
            }
            for (int i = toClose.size() - 1; i >= 0; i--) {
                if (toClose.get(i) instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        LOG.warn("closing {} of the plugin scope of \"{}\" failed", c, type, e);
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "PluginScope[" + type + "]";
        }
    }
}
