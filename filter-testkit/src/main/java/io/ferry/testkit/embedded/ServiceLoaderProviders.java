package io.ferry.testkit.embedded;

import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds a {@link NetworkFilterFactoryProvider} by its type name with {@link ServiceLoader}, as the runtime does. */
public final class ServiceLoaderProviders {

    private ServiceLoaderProviders() {
    }

    /**
     * The provider whose {@code type()} is {@code type}, among those {@link ServiceLoader} finds through
     * {@code classLoader}.
     *
     * @throws IllegalArgumentException if none or several have that type, or one cannot be loaded; the message names
     *                                  the types found and the classes involved
     */
    public static NetworkFilterFactoryProvider load(String type, ClassLoader classLoader) {
        List<NetworkFilterFactoryProvider> matches = new ArrayList<>();
        TreeSet<String> types = new TreeSet<>();
        try {
            for (NetworkFilterFactoryProvider p : ServiceLoader.load(NetworkFilterFactoryProvider.class, classLoader)) {
                types.add(p.type());
                if (type.equals(p.type())) {
                    matches.add(p);
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalArgumentException("ServiceLoader could not load a NetworkFilterFactoryProvider: "
                    + e.getMessage(), e);
        }
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("No NetworkFilterFactoryProvider with type \"" + type + "\" found by "
                    + "ServiceLoader (types found: " + types + "); list the provider class in "
                    + "META-INF/services/" + NetworkFilterFactoryProvider.class.getName());
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("Several NetworkFilterFactoryProviders have type \"" + type + "\": "
                    + matches.get(0).getClass().getName() + " and " + matches.get(1).getClass().getName());
        }
        return matches.get(0);
    }
}
