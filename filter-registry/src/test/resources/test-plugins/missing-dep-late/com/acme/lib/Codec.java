package com.acme.lib;

/** A library class the factory needs on first use; the fixture leaves it out of the plugin jar. */
public final class Codec {
    public static boolean accepts(int b) {
        return b != 0;
    }
}
