package io.ferry.filter.api;

import java.util.Optional;

/** Facts about this version of {@code filter-api}, and the one rule by which a provider's version is accepted. */
@Stable
public final class FilterApi {

    /**
     * The SPI version, {@code "major.minor"}. A provider returns it from
     * {@link io.ferry.filter.api.spi.NetworkFilterFactoryProvider#apiVersion()}; being a compile-time constant, it
     * is copied into the provider's class file and so records the version the provider was compiled against. The
     * registry accepts providers of the same major version and a minor version no newer than its own
     * ({@link #incompatibility}).
     *
     * <p>1.1 added {@link io.ferry.filter.api.spi.FilterEnvironment#metrics()},
     * {@link io.ferry.filter.api.spi.NetworkFilterFactoryProvider#secretFields()}, the typed config access of
     * {@link io.ferry.filter.api.spi.ConfigObject}, {@link io.ferry.filter.api.spi.FilterConfig#pluginScope()} and
     * {@link SharedState}, and emptied the deprecated {@code FilterEnvironment.service(Class)}.
     */
    public static final String VERSION = "1.1";

    private FilterApi() {
    }

    /**
     * Why a provider whose {@code apiVersion()} returns {@code providerApiVersion} cannot run on this
     * {@code filter-api}, as one piece of advice; empty if it can. The rule, after SLF4J's version check: a provider
     * built against {@code M.n} (or {@code M.n.p}; the patch is ignored) runs on {@code M.r} when {@code n <= r}. The
     * registry refuses a provider for this reason, and the test kit's rule R3.2 applies the same method, so a
     * provider the kit accepts is one the runtime loads.
     */
    public static Optional<String> incompatibility(String providerApiVersion) {
        return Optional.ofNullable(incompatibility(providerApiVersion, VERSION));
    }

    /** {@link #incompatibility(String)} against a given runtime version (for tests of the rule). */
    static String incompatibility(String target, String runtime) {
        int[] t = parse(target);
        int[] r = parse(runtime);
        if (t == null) {
            return "its apiVersion() must return the \"major.minor\" version it was compiled against (return"
                    + " FilterApi.VERSION)";
        }
        if (t[0] == r[0] && t[1] <= r[1]) {
            return null;
        }
        if (t[0] < r[0]) {
            return "rebuild it against filter-api " + r[0] + ".x";
        }
        return "build it against filter-api " + r[0] + ".x (at most " + runtime + "), or run a Ferry that provides"
                + " filter-api " + target;
    }

    /** {@code "1.2"} (or {@code "1.2.3"}, whose patch is ignored) as {@code {1, 2}}; {@code null} if malformed. */
    private static int[] parse(String version) {
        if (version == null) {
            return null;
        }
        String[] parts = version.trim().split("\\.");
        if (parts.length < 2 || parts.length > 3) {
            return null;
        }
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = Integer.parseInt(parts[1]);
            if (parts.length == 3) {
                Integer.parseInt(parts[2]);
            }
            return major < 0 || minor < 0 ? null : new int[] {major, minor};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
