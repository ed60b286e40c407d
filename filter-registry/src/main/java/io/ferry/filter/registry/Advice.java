package io.ferry.filter.registry;

import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.lang.reflect.InvocationTargetException;
import java.util.ServiceConfigurationError;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the reflective failures of loading a provider into one sentence of advice, after Kafka Connect's
 * {@code PluginScanner.reflectiveErrorDescription}. Stateless.
 */
final class Advice {

    /** After the JDK's {@code "<service>: "} prefix: {@code "Provider com.acme.X ..."}, {@code "com.acme.X ..."}. */
    private static final Pattern PROVIDER_NAME = Pattern.compile("^(?:Provider |class )?([\\w$]+(?:\\.[\\w$]+)+)");

    private Advice() {
    }

    /**
     * Best effort: the provider class a {@link ServiceConfigurationError} is about, as the JDK writes it into the
     * message ({@code "...: Provider com.acme.X could not be instantiated"}); {@code null} if it does not say.
     */
    static String providerNamedIn(Throwable error) {
        String msg = error.getMessage();
        if (msg == null) {
            return null;
        }
        String prefix = NetworkFilterFactoryProvider.class.getName() + ": ";
        Matcher m = PROVIDER_NAME.matcher(msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg);
        return m.find() ? m.group(1) : null;
    }

    /**
     * What went wrong and what to do, as the tail of a sentence that starts with "Plugin X (location) was not
     * loaded: ".
     */
    static String describe(Throwable error) {
        String msg = String.valueOf(error.getMessage());
        Throwable cause = rootOf(error);
        if (cause instanceof NoSuchMethodException || msg.contains("no-arg constructor")) {
            return "its class must have a public no-arg constructor and be public and top-level (or a static nested"
                    + " class)";
        }
        if (cause instanceof IllegalAccessException) {
            return "its class and its no-arg constructor must be public";
        }
        if (cause instanceof ExceptionInInitializerError eiie) {
            Throwable thrown = eiie.getCause() == null ? eiie : eiie.getCause();
            return "its static initialiser threw " + brief(thrown) + "; fix the plugin so that loading its class"
                    + " cannot fail";
        }
        if (cause instanceof NoClassDefFoundError ncdfe && ncdfe.getMessage() != null
                && ncdfe.getMessage().startsWith("Could not initialize class")) {
            return "its static initialiser failed earlier (" + ncdfe.getMessage() + ")";
        }
        if (cause instanceof NoClassDefFoundError || cause instanceof ClassNotFoundException && error != cause) {
            String missing = cause.getMessage() == null ? "a class" : cause.getMessage().replace('/', '.');
            return "it has a dependency which is missing or invalid (" + missing + " was not found); put the jars it"
                    + " needs next to it in one sub-directory of the plugin directory, or shade them into its jar";
        }
        if (cause instanceof LinkageError) {
            return "it has a dependency which is missing or invalid (" + brief(cause) + "); check that it was built"
                    + " against the filter-api and libraries this runtime provides";
        }
        if (msg.contains("not a subtype")) {
            return "it is listed in META-INF/services/io.ferry.filter.api.spi.NetworkFilterFactoryProvider but does"
                    + " not implement NetworkFilterFactoryProvider";
        }
        if (msg.contains("not found")) {
            return "it is listed in META-INF/services/io.ferry.filter.api.spi.NetworkFilterFactoryProvider but its"
                    + " class is not in the location";
        }
        if (error instanceof ServiceConfigurationError && error.getCause() == null) {
            return "its service registration is invalid (" + msg + ")";
        }
        return "its constructor threw " + brief(cause) + "; a provider's constructor must be cheap and must not fail";
    }

    /** {@code "java.lang.IllegalStateException: boom"}, without a stack trace. */
    static String brief(Throwable t) {
        return t.getMessage() == null ? t.getClass().getName() : t.getClass().getName() + ": " + t.getMessage();
    }

    private static Throwable rootOf(Throwable error) {
        Throwable t = error;
        while (t instanceof ServiceConfigurationError || t instanceof InvocationTargetException) {
            if (t.getCause() == null) {
                return t;
            }
            t = t.getCause();
        }
        return t;
    }
}
