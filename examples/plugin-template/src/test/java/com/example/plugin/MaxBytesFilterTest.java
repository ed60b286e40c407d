package com.example.plugin;

import io.ferry.filter.api.FilterStatus;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The filter's own behaviour, through the real chain engine without sockets. */
class MaxBytesFilterTest {

    @Test
    void passesBytesUpToTheLimitThenCloses() {
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder()
                .providerType(MaxBytesProvider.TYPE).config("{\"max_bytes\": 10}").build();
        assertEquals(FilterStatus.CONTINUE, chain.writeInbound("0123456789"));
        assertEquals("0123456789", chain.readInboundString());
        assertFalse(chain.isClosed());
        assertEquals(FilterStatus.STOP, chain.writeInbound("X"));
        assertTrue(chain.isClosed());
        assertEquals(null, chain.readInboundString(), "the read that crossed the limit is dropped");
        chain.finish();
    }

    @Test
    void aBadConfigNamesItsPathAndWhatWasExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddedFilterChain.builder()
                .providerType(MaxBytesProvider.TYPE).config("{\"max_bytes\": \"1MiB\"}").build());
        assertEquals("listeners[0].filter_chains[0].filters[0].config.max_bytes: \"1MiB\" (expected: an integer)",
                e.getMessage());
    }
}
