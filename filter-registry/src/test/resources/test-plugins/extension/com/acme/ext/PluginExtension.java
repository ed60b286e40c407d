package com.acme.ext;

import io.ferry.dump.spi.SharedProbe;
import io.ferry.dump.spi.TestExtensionSpi;
import io.ferry.dump.format.FormatProbe;
import com.acme.shared.Shared;

/** A plugin's implementation of the test extension SPI; its name says where its helper classes came from. */
public final class PluginExtension implements TestExtensionSpi {
    @Override
    public String name() {
        return "plugin spi=" + SharedProbe.origin() + " format=" + FormatProbe.origin() + " own=" + Shared.origin();
    }
}
