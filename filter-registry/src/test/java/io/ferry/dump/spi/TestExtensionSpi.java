package io.ferry.dump.spi;

/**
 * An extension SPI of the registry's tests, in a package plugin class loaders share with the host (as the real dump
 * SPIs are), so that a plugin's implementation implements this very interface.
 */
public interface TestExtensionSpi {

    /** What the implementation calls itself. */
    String name();
}
