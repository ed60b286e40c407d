package io.ferry.proxy.config;

import java.util.List;

/**
 * {@code metrics.stats_matcher}: which series the Prometheus sinks leave out, with MOSN's semantics
 * (mosn/mosn {@code pkg/metrics/matcher.go} and {@code store.go}). Exclusion only, exact names, no patterns.
 *
 * <ul>
 *   <li>{@code reject_all}: none of Ferry's series is exported (MOSN then records no metrics at all). The JVM and
 *       process collectors, like MOSN's Go and process collectors, are not series of the store and stay.</li>
 *   <li>{@code exclusion_labels}: label <em>names</em>. A series that has any of them is left out, as MOSN leaves
 *       out a metrics group whose labels contain one: {@code ["host"]} drops the per-host {@code upstream_*} series
 *       and keeps the per-cluster ones; {@code ["cluster"]} drops every {@code upstream_*} series.</li>
 *   <li>{@code exclusion_keys}: MOSN's metric keys, the part of a series name after its type {@code downstream_} or
 *       {@code upstream_}, e.g. {@code connection_destroy} or {@code bytes_read_total}: left out for every type. A
 *       filter's metric is matched by its whole name, a {@code StatsRegistry} counter by its key.</li>
 * </ul>
 *
 * @param rejectAll       {@code reject_all}
 * @param exclusionLabels {@code exclusion_labels}
 * @param exclusionKeys   {@code exclusion_keys}
 */
public record StatsMatcher(boolean rejectAll, List<String> exclusionLabels, List<String> exclusionKeys) {

    /** Every series is exported (no {@code stats_matcher}). */
    public static final StatsMatcher NONE = new StatsMatcher(false, List.of(), List.of());

    private static final List<String> TYPES = List.of("downstream_", "upstream_");

    public StatsMatcher {
        exclusionLabels = List.copyOf(exclusionLabels);
        exclusionKeys = List.copyOf(exclusionKeys);
    }

    /** True when a series family of this name is left out whatever its labels. */
    public boolean excludesName(String name) {
        if (rejectAll) {
            return true;
        }
        if (exclusionKeys.isEmpty()) {
            return false;
        }
        String key = name;
        for (String type : TYPES) {
            if (name.startsWith(type)) {
                key = name.substring(type.length());
                break;
            }
        }
        // a counter is exported with "_total" added where MOSN's name lacks it: either spelling matches
        return excludesKey(key) || (!key.endsWith("_total") && excludesKey(key + "_total"));
    }

    /** True when {@code key} is one of {@code exclusion_keys} (or everything is rejected). */
    public boolean excludesKey(String key) {
        return rejectAll || exclusionKeys.contains(key);
    }

    /** True when a series with a label of this name is left out. */
    public boolean excludesLabel(String labelName) {
        return rejectAll || exclusionLabels.contains(labelName);
    }
}
