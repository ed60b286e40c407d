package io.ferry.dump.format;

/** The plugin's own copy of a class in a shared package: never used, the host's is. */
public final class FormatProbe {
    private FormatProbe() {
    }

    public static String origin() {
        return "plugin";
    }
}
