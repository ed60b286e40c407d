package com.acme.shared;

/** Also on the host's test class path, answering "host": the plugin's child-first loader must pick this one. */
public final class Shared {
    private Shared() {
    }

    public static String origin() {
        return "plugin";
    }
}
