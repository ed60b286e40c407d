package io.ferry.dump.spi;

/** The host's copy of a class in a shared package; the {@code extension} test plugin bundles its own. */
public final class SharedProbe {
    private SharedProbe() {
    }

    public static String origin() {
        return "host";
    }
}
