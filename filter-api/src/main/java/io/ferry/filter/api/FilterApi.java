package io.ferry.filter.api;

/** Facts about this version of {@code filter-api}. */
@Stable
public final class FilterApi {

    /**
     * The SPI version, {@code "major.minor"}. A provider returns it from
     * {@link io.ferry.filter.api.spi.NetworkFilterFactoryProvider#apiVersion()}; being a compile-time constant, it
     * is copied into the provider's class file and so records the version the provider was compiled against. The
     * registry accepts providers of the same major version and a minor version no newer than its own.
     */
    public static final String VERSION = "1.0";

    private FilterApi() {
    }
}
