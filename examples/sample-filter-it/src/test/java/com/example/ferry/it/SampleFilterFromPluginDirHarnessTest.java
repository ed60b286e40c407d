package com.example.ferry.it;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plugin-loaded sample filter, run by the embedded harness on the real chain engine. */
class SampleFilterFromPluginDirHarnessTest {

    private static final String CONFIG = "{\"prefix\": \"DENY \", \"action\": \"close\"}";

    @TempDir
    Path tmp;

    private NetworkFilterFactoryProvider provider;

    @BeforeEach
    void deploy() throws Exception {
        provider = FilterRegistry.builder().pluginsDir(SamplePlugin.deployInto(tmp)).build()
                .require(SamplePlugin.TYPE, "listeners[0].filter_chains[0].filters[0]");
    }

    @Test
    void aConnectionStartingWithThePrefixIsClosed() {
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().provider(provider).config(CONFIG).build();

        assertEquals(FilterStatus.STOP, chain.writeInbound("DE"));
        assertFalse(chain.isClosed());
        chain.writeInbound("NY everything");

        assertTrue(chain.isClosed());
        assertEquals(ConnectionCloseType.FLUSH_WRITE, chain.closeType());
        assertEquals(ConnectionEvent.LOCAL_CLOSE, chain.closeEvent());
        assertNull(chain.readInboundString());
        chain.finish();
    }

    @Test
    void anyOtherConnectionPassesThroughUnchanged() {
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().provider(provider).config(CONFIG).build();

        assertEquals(FilterStatus.CONTINUE, chain.writeInbound("PING\n"));
        chain.writeInbound("DENY later is fine\n");

        assertEquals("PING\nDENY later is fine\n", chain.readInboundString());
        assertFalse(chain.isClosed());
        assertTrue(chain.finish().isEmpty());
    }
}
