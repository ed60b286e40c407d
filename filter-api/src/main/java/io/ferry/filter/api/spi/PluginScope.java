package io.ferry.filter.api.spi;

import io.ferry.filter.api.Experimental;

import java.util.function.Supplier;

/**
 * State and services shared by every {@code filters[]} entry of one filter type in one runtime: one scope per type
 * per runtime, reached with {@link FilterConfig#pluginScope()}. A filter configured on two listeners gets two
 * factories but one scope, so the scope is where a plugin keeps what exists once: its admin endpoints (an
 * {@link io.ferry.filter.api.admin.AdminRegistry} refuses a second registration of a path), a connection budget
 * across listeners, a client or a thread pool.
 *
 * <pre>{@code
 * public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {
 *     Guards guards = config.pluginScope().computeIfAbsent(Guards.class, () -> {
 *         Guards g = new Guards();                                   // once per runtime
 *         config.environment().admin().register("GET", "/api/v1/acme/guards", g::stats);
 *         return g;
 *     });
 *     return new GuardFactory(guards.forListener(...));             // once per filters[] entry
 * }
 * }</pre>
 *
 * <p>Unlike a static field, or the provider instance (which the registry creates once per process), the scope
 * belongs to one runtime: a second runtime in the same JVM (tests start many) gets a new one, and the runtime
 * closes it when it stops. Values that implement {@link AutoCloseable} are closed then, after every factory, in the
 * reverse order of their creation; an exception from one is logged and the others are still closed.
 *
 * <p>Thread-safe. {@link #computeIfAbsent} creates a value at most once per key; {@code create} runs on the calling
 * thread and may itself use the scope for other keys.
 */
@Experimental
public interface PluginScope {

    /** The filter type this scope belongs to. */
    String type();

    /**
     * The value stored under {@code key}, created with {@code create} by the first call for that key.
     *
     * @throws NullPointerException     if {@code create} returns {@code null}
     * @throws IllegalStateException    if the runtime has stopped and closed the scope, or if {@code create} asks
     *                                  for the key it is creating
     * @throws ClassCastException       never for values created through this method: the key is their type
     */
    <T> T computeIfAbsent(Class<T> key, Supplier<? extends T> create);
}
