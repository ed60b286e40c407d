package com.acme.shared;

/** The host's copy of a class the {@code good} test plugin also bundles, answering differently. */
public final class Shared {
    private Shared() {
    }

    public static String origin() {
        return "host";
    }
}
