package com.acme.lib;

/** A library class the provider needs; the fixture leaves it out of the plugin jar. */
public final class Helper {
}
