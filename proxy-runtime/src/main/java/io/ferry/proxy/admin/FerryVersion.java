package io.ferry.proxy.admin;

/** Ferry's version, from the runnable jar's manifest ({@code Implementation-Version}). */
public final class FerryVersion {

    private FerryVersion() {
    }

    /** The version, or {@code "dev"} when running from classes rather than the packaged jar. */
    public static String get() {
        String v = FerryVersion.class.getPackage().getImplementationVersion();
        return v == null || v.isEmpty() ? "dev" : v;
    }
}
