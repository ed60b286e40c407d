package com.example.ferry;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import io.ferry.testkit.embedded.EmbeddedFilterConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What example.deny_prefix does to a connection, through the kit's embedded harness (the real chain engine). */
class DenyPrefixFilterTest {

    private static final String PATH = EmbeddedFilterConfig.DEFAULT_PATH;

    private static EmbeddedFilterChain chain(String prefix) {
        return EmbeddedFilterChain.builder()
                .providerType(DenyPrefixProvider.TYPE).config("{\"prefix\": \"" + prefix + "\", \"action\": \"close\"}")
                .build();
    }

    @Test
    void aConnectionStartingWithThePrefixIsClosedAndNothingPassesOn() {
        EmbeddedFilterChain chain = chain("DENY ");

        assertEquals(FilterStatus.STOP, chain.writeInbound("DENY me, please"));

        assertTrue(chain.isClosed());
        assertEquals(ConnectionCloseType.FLUSH_WRITE, chain.closeType());
        assertEquals(ConnectionEvent.LOCAL_CLOSE, chain.closeEvent());
        assertNull(chain.readInboundString(), "no byte of a denied connection reaches the next filter");
        chain.finish();
    }

    @Test
    void bytesAreHeldBackUndrainedUntilThereAreEnoughToDecide() {
        EmbeddedFilterChain chain = chain("DENY ");

        assertEquals(FilterStatus.STOP, chain.writeInbound("DE"));
        assertNull(chain.readInboundString());
        assertEquals(2, chain.bufferedBytes(), "STOP without draining: the chain keeps the bytes");
        assertFalse(chain.isClosed());

        assertEquals(FilterStatus.STOP, chain.writeInbound("NY"));
        assertEquals(4, chain.bufferedBytes());

        chain.writeInbound(" now");
        assertTrue(chain.isClosed());
        assertNull(chain.readInboundString());
        chain.finish();
    }

    @Test
    void anotherStartPassesEverythingOnUnchangedForTheRestOfTheConnection() {
        EmbeddedFilterChain chain = chain("DENY ");

        assertEquals(FilterStatus.CONTINUE, chain.writeInbound("GET / HTTP/1.1\r\n"));
        assertEquals("GET / HTTP/1.1\r\n", chain.readInboundString());

        assertEquals(FilterStatus.CONTINUE, chain.writeInbound("DENY is only checked at the start"));
        assertEquals("DENY is only checked at the start", chain.readInboundString());
        assertFalse(chain.isClosed());
        assertTrue(chain.finish().isEmpty());
    }

    @Test
    void aPartialMatchThatThenDiffersIsPassedOnWhole() {
        EmbeddedFilterChain chain = chain("DENY ");

        assertEquals(FilterStatus.STOP, chain.writeInbound("DEN"));
        assertEquals(FilterStatus.CONTINUE, chain.writeInbound("TIST\n"));

        assertEquals("DENTIST\n", chain.readInboundString(), "the held-back bytes come first, unchanged");
        assertFalse(chain.isClosed());
        chain.finish();
    }

    @Test
    void aPeerThatEndsBeforeThePrefixIsCompleteHasItsBytesPassedOn() {
        EmbeddedFilterChain chain = chain("DENY ");

        assertEquals(FilterStatus.STOP, chain.writeInbound("DEN"));
        chain.finishInbound(); // FIN: the prefix can no longer arrive

        assertEquals("DEN", chain.readInboundString());
        assertFalse(chain.isClosed());
        chain.finish();
    }

    @Test
    void theWholeBufferIsComparedNotJustTheNewBytes() {
        EmbeddedFilterChain chain = chain("ab");
        byte[] sent = {'a', (byte) 0xFF, 0, 'b'};

        assertEquals(FilterStatus.CONTINUE, chain.writeInbound(sent));

        assertArrayEquals(sent, chain.readAllInbound());
        chain.finish();
    }

    @Test
    void eachConnectionDecidesForItself() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        NetworkFilterChainFactory factory = createFactory("{\"prefix\": \"DENY \"}", env);
        EmbeddedFilterChain denied = EmbeddedFilterChain.builder().environment(env)
                .factory(DenyPrefixProvider.TYPE, factory).build();
        EmbeddedFilterChain passed = EmbeddedFilterChain.builder().environment(env)
                .factory(DenyPrefixProvider.TYPE, factory).build();

        denied.writeInbound("DENY ");
        passed.writeInbound("HELLO");
        passed.writeInbound("DENY ");

        assertTrue(denied.isClosed());
        assertFalse(passed.isClosed());
        assertEquals("HELLODENY ", passed.readInboundString());
        denied.finish();
        passed.finish();
    }

    @Test
    void actionDefaultsToClose() {
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder()
                .providerType(DenyPrefixProvider.TYPE).config("{\"prefix\": \"\u00e9t\u00e9\"}").build();

        chain.writeInbound("\u00e9t\u00e9 2024");

        assertTrue(chain.isClosed(), "the prefix is matched as UTF-8 bytes");
        chain.finish();
    }

    @Test
    void invalidConfigsNameThePathTheValueAndWhatIsExpected() {
        assertEquals(PATH + ".prefix: missing (expected: a non-empty string, the bytes that deny a connection)",
                refused("{}"));
        assertEquals(PATH + ".prefix: \"\" (expected: a non-empty string, the bytes that deny a connection)",
                refused("{\"prefix\": \"\"}"));
        assertEquals(PATH + ".prefix: 5 (expected: a non-empty string, the bytes that deny a connection)",
                refused("{\"prefix\": 5}"));
        assertEquals(PATH + ".action: \"reset\" (expected: \"close\")",
                refused("{\"prefix\": \"DENY\", \"action\": \"reset\"}"));
        assertEquals(PATH + ".actoin: \"close\" (expected: no such key; the keys are \"prefix\" and \"action\")",
                refused("{\"prefix\": \"DENY\", \"actoin\": \"close\"}"));
        String longPrefix = "x".repeat(DenyPrefixProvider.MAX_PREFIX_BYTES + 1);
        assertEquals(PATH + ".prefix: \"" + longPrefix + "\" (expected: at most 4096 bytes in UTF-8, found 4097)",
                refused("{\"prefix\": \"" + longPrefix + "\"}"));
    }

    private static NetworkFilterChainFactory createFactory(String json, EmbeddedEnvironment env) {
        try {
            return new DenyPrefixProvider().create(
                    new EmbeddedFilterConfig(DenyPrefixProvider.TYPE, PATH, json, env));
        } catch (FilterConfigException e) {
            throw new AssertionError(e);
        }
    }

    private static String refused(String json) {
        FilterConfigException e = assertThrows(FilterConfigException.class, () -> new DenyPrefixProvider().create(
                new EmbeddedFilterConfig(DenyPrefixProvider.TYPE, PATH, json, new EmbeddedEnvironment())));
        return e.getMessage();
    }
}
