package com.example.ferry.router;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.upstream.UpstreamRoute;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import io.ferry.testkit.embedded.EmbeddedTcpProxy;
import io.ferry.testkit.embedded.EmbeddedUpstream;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router in front of the test kit's tcp_proxy stand-in, over in-memory clusters. */
class PreambleRouterFilterTest {

    private final EmbeddedEnvironment env = new EmbeddedEnvironment();

    PreambleRouterFilterTest() {
        env.clusters().add("blue").add("green");
    }

    private EmbeddedFilterChain chain(String config) {
        return EmbeddedFilterChain.builder().environment(env)
                .providerType(PreambleRouterProvider.TYPE).config(config)
                .factory(EmbeddedTcpProxy.TYPE, EmbeddedTcpProxy.factory("blue")).captureInbound(false)
                .build();
    }

    @Test
    void thePreambleChoosesTheClusterAndIsStripped() {
        EmbeddedFilterChain chain = chain("{}");
        assertFalse(EmbeddedTcpProxy.of(chain).reached(), "no dial before the preamble");
        assertEquals(FilterStatus.STOP, chain.writeInbound("ROUTE gr"));
        assertTrue(env.clusters().connections().isEmpty());
        assertEquals(FilterStatus.STOP, chain.writeInbound("een\r\nhello"), "tcp_proxy's STOP: it took the bytes");
        EmbeddedUpstream up = env.clusters().connections("green").get(0);
        assertEquals("hello", up.receivedString(), "the preamble is stripped, what follows relayed");
        assertEquals(UpstreamRoute.toCluster("green"),
                chain.connection().filterState().get(UpstreamRoute.KEY));
        chain.writeInbound("ROUTE blue\n");
        assertEquals("helloROUTE blue\n", up.receivedString(), "only the first line is a preamble");
        up.send("world");
        assertEquals("world", chain.readOutboundString());
        chain.finish();
    }

    @Test
    void aKeyBecomesAHashKey() {
        EmbeddedFilterChain chain = chain("{}");
        chain.writeInbound("ROUTE blue user-42\n");
        UpstreamRoute r = env.clusters().connections("blue").get(0).route();
        assertEquals(PreambleRouterFilter.fnv1a64("user-42".getBytes(StandardCharsets.US_ASCII)),
                r.hashKey().getAsLong());
        assertNotEquals(PreambleRouterFilter.fnv1a64("user-43".getBytes(StandardCharsets.US_ASCII)),
                r.hashKey().getAsLong());
        chain.finish();
    }

    @Test
    void aBadPreambleClosesTheConnectionBeforeAnyDial() {
        for (String bad : new String[]{"ROUTE red\n", "ROUTE\n", "GET / HTTP/1.1\r\n", "ROUTE blue a b\n",
                "ROUTE blue \n"}) {
            EmbeddedFilterChain chain = chain("{\"clusters\": [\"blue\", \"green\"]}");
            chain.writeInbound(bad);
            assertTrue(chain.isClosed(), bad);
            chain.finish();
        }
        EmbeddedFilterChain onlyGreen = chain("{\"clusters\": [\"green\"]}");
        onlyGreen.writeInbound("ROUTE blue\n");
        assertTrue(onlyGreen.isClosed(), "a cluster of the runtime the config does not allow");
        onlyGreen.finish();
        assertTrue(env.clusters().connections().isEmpty(), "nothing was dialled");
        assertEquals(1L, env.stats().snapshot(PreambleRouterProvider.TYPE + ".embedded").get("rejected").longValue(),
                "counted by the listener's factory");
    }

    @Test
    void aPreambleThatIsTooLongOrLateClosesTheConnection() {
        EmbeddedFilterChain longOne = chain("{\"max_preamble_bytes\": 16}");
        longOne.writeInbound("ROUTE blue-and-then-");
        assertTrue(longOne.isClosed());
        longOne.finish();

        EmbeddedFilterChain late = chain("{\"preamble_timeout_ms\": 2000}");
        late.writeInbound("ROUTE bl");
        late.advanceTimeBy(1999, TimeUnit.MILLISECONDS);
        assertFalse(late.isClosed());
        late.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        assertTrue(late.isClosed(), "no preamble within preamble_timeout_ms");
        late.finish();

        EmbeddedFilterChain eof = chain("{}");
        eof.writeInbound("ROUTE bl");
        eof.finishInbound();
        assertTrue(eof.isClosed(), "the client ended before its preamble");
        eof.finish();
    }

    @Test
    void aClientFinRightAfterThePreambleReachesTheUpstream() {
        EmbeddedFilterChain chain = chain("{}");
        chain.writeInbound("ROUTE green\nbye");
        chain.finishInbound();
        EmbeddedUpstream up = env.clusters().connections("green").get(0);
        assertEquals("bye", up.receivedString());
        assertTrue(up.isOutputShutdown());
        chain.finish();
    }
}
