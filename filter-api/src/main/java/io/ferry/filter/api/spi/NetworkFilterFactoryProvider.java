package io.ferry.filter.api.spi;

import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.Stable;

import java.util.Set;

/**
 * The service through which the runtime finds a network filter by its {@code type}. It plays the role of MOSN's
 * {@code api.NetworkFilterFactoryCreator} registered with {@code api.RegisterNetwork(type, creator)}.
 *
 * <h2>Registering a provider</h2>
 * Implement this interface in a public top-level class with a public no-arg constructor. List the class's
 * fully-qualified name in {@code META-INF/services/io.ferry.filter.api.spi.NetworkFilterFactoryProvider}. Put the
 * jar on the classpath, or drop it (with its dependencies, but <b>without</b> {@code filter-api}) into the plugin
 * directory.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Construction must be cheap and side-effect free: the registry instantiates every provider it finds, even
 *       those no listener uses. Parse and validate in {@link #create}.</li>
 *   <li>A type names exactly one provider. Two providers of one type stop the runtime; built-in types
 *       ({@code tcp_proxy}, {@code tcpcopy} and MOSN's other network filter names) cannot be claimed by a plugin.
 *       Third parties should use a vendor prefix, e.g. {@code "acme.audit"}.</li>
 *   <li>{@link #create} is called once per {@code filters[]} entry that names this type, at startup, before any
 *       connection. A bad config raises {@link FilterConfigException}, which stops startup with its message.</li>
 * </ul>
 */
@Stable
public interface NetworkFilterFactoryProvider {

    /** The filter's {@code type} in the JSON config, e.g. {@code "tcpcopy"}. */
    String type();

    /**
     * The {@code filter-api} version this provider was compiled against: implement it as
     * {@code return FilterApi.VERSION;}.
     */
    String apiVersion();

    /**
     * Creates the factory for one {@code filters[]} entry.
     *
     * @param config the entry's {@code config} object, its JSON path and the runtime's services
     * @throws FilterConfigException if the config is invalid; the message names the JSON path, the value and what
     *                               was expected
     */
    NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException;

    /**
     * The keys of this filter's config whose values are credentials although their names do not say so, e.g.
     * {@code "sasl.jaas.config"}; by default none. Keys whose names do say so ({@code password}, {@code token},
     * {@code auth}, ... see {@link Secrets}) are hidden anyway and need not be listed.
     *
     * <p>The runtime hides the value of every listed key, matched exactly at any depth of this filter's
     * {@code config} object, in {@code GET /api/v1/config_dump}, and scrubs those values from its logs and error
     * messages. Called once at startup, after {@link #create}, from the starting thread; return a constant set.
     */
    @io.ferry.filter.api.Experimental
    default Set<String> secretFields() {
        return Set.of();
    }

    /** The provider's own version, for inventories; by default the jar manifest's {@code Implementation-Version}. */
    default String version() {
        String v = getClass().getPackage() == null ? null : getClass().getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
