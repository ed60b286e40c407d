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
     * Why a provider targeting {@code target} cannot run on {@code runtime}, as advice; {@code null} if it can.
     */
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
            return "rebuild it against filter-api " + compatibleRange(runtime);
        }
        return "build it against filter-api " + compatibleRange(runtime) + " (at most " + runtime
                + "), or run a Ferry that provides filter-api " + target;
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
