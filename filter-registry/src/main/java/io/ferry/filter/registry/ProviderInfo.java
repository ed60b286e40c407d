package io.ferry.filter.registry;

/**
 * One provider the registry loaded, for inventories ({@code ./ferry filters}) and logs.
 *
 * @param type       the filter's {@code type} in the JSON config
 * @param version    the provider's own version ({@code NetworkFilterFactoryProvider.version()}), {@code "unknown"} if
 *                   it has none
 * @param apiVersion the {@code filter-api} version it was compiled against
 * @param className  the provider's fully-qualified class name
 * @param location   where its class was loaded from: a jar, a classes directory, or {@code "unknown"}
 * @param plugin     {@code true} if it came from the plugin directory, {@code false} if from the class path
 */
public record ProviderInfo(String type, String version, String apiVersion, String className, String location,
                           boolean plugin) {

    /**
     * Where the provider came from: {@code "plugin"} (the plugin directory), {@code "built-in"} (Ferry's own, on the
     * class path) or {@code "class path"} (a third party's jar on the class path).
     */
    public String origin() {
        return plugin ? "plugin" : className.startsWith("io.ferry.") ? "built-in" : "class path";
    }

    /**
     * {@code "type  version  origin  location"}: the line {@code ./ferry filters} prints for this provider, e.g.
     * {@code example.deny_prefix  1.0  plugin  /opt/ferry/plugins/deny-prefix-1.0.jar}.
     */
    public String inventoryLine() {
        return type + "  " + version + "  " + origin() + "  " + location;
    }
}
