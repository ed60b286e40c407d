package io.ferry.dump.spi;

/** The plugin's own copy of a class in a shared package: never used, the host's is. */
public final class SharedProbe {
    private SharedProbe() {
    }

    public static String origin() {
        return "plugin";
    }
}
