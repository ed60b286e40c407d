package io.ferry.filter.registry;

import io.ferry.filter.api.FilterApi;

/**
 * The SPI version handshake as the registry words it: the rule itself is {@link FilterApi#incompatibility}, shared
 * with the test kit's R3.2. Stateless.
 */
final class ApiVersions {

    private ApiVersions() {
    }

    /** The versions this runtime accepts, as printed in messages: {@code "1.x"}. */
    static String compatibleRange() {
        return FilterApi.VERSION.substring(0, FilterApi.VERSION.indexOf('.')) + ".x";
    }

    /** Why a provider targeting {@code target} cannot run on this runtime, as advice; {@code null} if it can. */
    static String incompatibility(String target) {
        return FilterApi.incompatibility(target).orElse(null);
    }
}
