package io.ferry.filter.registry;

import java.util.Locale;

/**
 * What the registry does when a plugin is broken, refused or suspicious. Configured as {@code --plugin-failure-policy
 * warn|fail}; {@link #toString()} is the lower-case config value.
 */
public enum FailurePolicy {

    /** Report each problem in one sentence of advice, skip what cannot be used, and load everything else. */
    WARN,

    /** Report each problem, then refuse to build the registry: {@link FilterRegistry.Builder#build()} throws. */
    FAIL;

    /**
     * Parses a config value.
     *
     * @param value {@code "warn"} or {@code "fail"}, in any case
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static FailurePolicy parse(String value) {
        if (value != null) {
            for (FailurePolicy p : values()) {
                if (p.toString().equalsIgnoreCase(value.trim())) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("failure policy: " + (value == null ? "missing" : '"' + value + '"')
                + " (expected: one of [warn, fail])");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
