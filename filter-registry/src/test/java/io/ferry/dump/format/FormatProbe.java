package io.ferry.dump.format;

/** The host's copy of a class in a shared package; the {@code extension} test plugin bundles its own. */
public final class FormatProbe {
    private FormatProbe() {
    }

    public static String origin() {
        return "host";
    }
}
