package io.ferry.dump.kafka;

/**
 * Runs kafka-clients code with this module's class loader as the thread's context class loader. kafka-clients loads
 * the classes its settings name (serializers, partitioners, metrics reporters, login modules) through the context
 * class loader when one is set; in a plugin directory, the host's context loader does not have kafka-clients, or has
 * another copy of it, so the classes must come from the plugin's own loader. Threads kafka-clients starts (the
 * producer's network thread) inherit it. The previous context class loader is restored afterwards.
 */
final class PluginContext {

    private PluginContext() {
    }

    /** {@code work} with the context class loader set to this module's. */
    static <T, E extends Exception> T call(ThrowingSupplier<T, E> work) throws E {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(PluginContext.class.getClassLoader());
        try {
            return work.get();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /** A supplier that may throw {@code E}. */
    @FunctionalInterface
    interface ThrowingSupplier<T, E extends Exception> {
        T get() throws E;
    }
}
