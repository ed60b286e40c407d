package io.ferry.filter.registry.testing;

import io.ferry.dump.spi.TestExtensionSpi;

/** The class path's implementation of the test extension SPI. */
public final class ClasspathExtension implements TestExtensionSpi {
    @Override
    public String name() {
        return "classpath";
    }
}
