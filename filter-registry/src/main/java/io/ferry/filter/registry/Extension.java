package io.ferry.filter.registry;

import java.util.Objects;

/**
 * One implementation of an extension SPI that the registry found ({@link FilterRegistry#extensions(Class)}), with
 * where it came from.
 *
 * @param instance  the instance, created once per registry and SPI with its public no-argument constructor, by the
 *                  class loader of its location; shared, so the SPI's implementations must be thread-safe
 * @param className its fully-qualified class name
 * @param location  the jar or classes directory its class was loaded from, or {@code "unknown"}
 * @param plugin    {@code true} if it came from the plugin directory, {@code false} if from the class path
 * @param <T>       the SPI
 */
public record Extension<T>(T instance, String className, String location, boolean plugin) {

    public Extension {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(location, "location");
    }

    /** {@code class (location)} and whether it is a plugin: for inventories and logs. */
    public String origin() {
        return (plugin ? "plugin " : "class path ") + location;
    }
}
