package io.ferry.filter.registry;

/**
 * The SPI version handshake, after SLF4J's {@code versionSanityCheck}: a provider built against {@code filter-api}
 * {@code M.n} runs on a runtime providing {@code M.r} when {@code n <= r}. Stateless.
 */
final class ApiVersions {

    private ApiVersions() {
    }

    /** The versions a runtime providing {@code runtime} accepts, as printed in messages: {@code "1.x"}. */
    static String compatibleRange(String runtime) {
        return major(runtime) + ".x";
    }

    /**
     * Why a provider targeting {@code target} cannot run on this runtime, as advice; {@code null} if it can. The
     * rule lives in filter-api ({@link io.ferry.filter.api.FilterApi#incompatibility}), so the contract kit applies
     * exactly the same one.
     */
    static String incompatibility(String target, String runtime) {
        return io.ferry.filter.api.FilterApi.incompatibility(target, runtime);
    }

    private static int major(String version) {
        int[] v = parse(version);
        return v == null ? -1 : v[0];
    }

    /** {@code "1.2"} (or {@code "1.2.3"}, whose patch is ignored) as {@code {1, 2}}; {@code null} if malformed. */
    static int[] parse(String version) {
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
            return major < 0 || minor < 0 ? null : new int[] {major, minor};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
