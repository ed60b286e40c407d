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

    /**
     * The version rule, the one the registry applies to every provider and the contract kit checks (R3.2): a provider
     * compiled against {@code M.n} (a patch, {@code M.n.p}, is ignored) runs on this {@code filter-api} {@code M.r}
     * when {@code n <= r}.
     *
     * @param target what the provider's {@code apiVersion()} returned
     * @return null if it runs here; otherwise why not, as advice that completes "it was not loaded: ..."
     */
    public static String incompatibility(String target) {
        return incompatibility(target, VERSION);
    }

    /** {@link #incompatibility(String)} against a runtime providing {@code runtime} rather than this one. */
    public static String incompatibility(String target, String runtime) {
        int[] t = parse(target);
        int[] r = parse(runtime);
        if (r == null) {
            throw new IllegalArgumentException("runtime: \"" + runtime + "\" (expected: major.minor)");
        }
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
        return "build it against filter-api " + r[0] + ".x (at most " + runtime + "), or run a Ferry that provides "
                + "filter-api " + target;
    }

    /** {@code "1.2"} (or {@code "1.2.3"}) as {@code {1, 2}}; {@code null} if malformed. */
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
