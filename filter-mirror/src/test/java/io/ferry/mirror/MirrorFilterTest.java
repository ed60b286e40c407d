package io.ferry.mirror;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.admin.AdminResponse;
import io.ferry.testkit.embedded.EmbeddedClusters;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import io.ferry.testkit.embedded.EmbeddedTcpProxy;
import io.ferry.testkit.embedded.EmbeddedUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcp_mirror in the embedded chain, in front of the kit's tcp_proxy stand-in to an echoing primary: the shadow
 * connections are the kit's in-memory upstreams, which the test plays.
 */
class MirrorFilterTest {

    private final EmbeddedEnvironment env = new EmbeddedEnvironment();

    @AfterEach
    void close() {
        env.close();
    }

    private EmbeddedFilterChain chain(String config, EmbeddedClusters.Behaviour shadow) {
        env.clusters().add("primary", EmbeddedClusters.Behaviour.ECHO).add("shadow", shadow);
        return EmbeddedFilterChain.builder().environment(env).providerType("tcp_mirror").config(config)
                .factory(EmbeddedTcpProxy.TYPE, EmbeddedTcpProxy.factory("primary")).captureInbound(false)
                .build();
    }

    private Map<String, Number> counters() {
        String ns = env.stats().snapshot().keySet().stream().filter(k -> k.startsWith("tcp_mirror.")).findFirst()
                .orElseThrow();
        return env.stats().snapshot(ns);
    }

    @Test
    void aShadowThatAnswersLikeThePrimaryMatches() {
        EmbeddedFilterChain chain = chain("{\"cluster\": \"shadow\"}", EmbeddedClusters.Behaviour.ACCEPT);
        assertEquals(FilterStatus.STOP, chain.writeInbound("hello "));   // tcp_proxy stops; the mirror continued
        chain.writeInbound("world");
        EmbeddedUpstream shadow = env.clusters().connections("shadow").get(0);
        assertEquals("hello world", shadow.receivedString());
        assertEquals("hello world", chain.readOutboundString());       // the primary's echo, unchanged
        shadow.send("hello world");
        chain.finishInbound();
        assertTrue(shadow.isOutputShutdown(), "the client's FIN reached the shadow");
        shadow.finish();
        assertTrue(chain.isClosed());
        Map<String, Number> c = counters();
        assertEquals(1L, c.get("connections_mirrored"));
        assertEquals(1L, c.get("verdict_matched"), c.toString());
        assertEquals(11L, c.get("bytes_to_shadow"));
        String body = env.admin().call("GET", MirrorHub.REPORT, null, "").body();
        assertTrue(body.contains("\"verdict\": \"matched\""), body);
        chain.finish();
    }

    @Test
    void aShadowThatAnswersDifferentlyIsReportedAtTheFirstDifferentByte() {
        EmbeddedFilterChain chain = chain("{\"cluster\": \"shadow\", \"copies\": 2}", EmbeddedClusters.Behaviour.ACCEPT);
        chain.writeInbound("abcdefgh");
        List<EmbeddedUpstream> shadows = env.clusters().connections("shadow");
        assertEquals(2, shadows.size());
        shadows.get(0).send("abcdXfgh");
        shadows.get(1).send("abcdefgh");
        chain.finishInbound();
        shadows.get(0).finish();
        shadows.get(1).finish();
        assertTrue(chain.isClosed());
        String body = env.admin().call("GET", MirrorHub.REPORT, null, "").body();
        assertTrue(body.contains("differs at byte 4 (primary 65666768, shadow 58666768"), body);
        Map<String, Number> c = counters();
        assertEquals(1L, c.get("verdict_differs"), c.toString());
        assertEquals(1L, c.get("verdict_matched"), c.toString());
        chain.finish();
    }

    @Test
    void bytesReachEachShadowInOrderWhetherTheyWaitOrGoStraightToItsSocket() {
        EmbeddedFilterChain chain = chain("{\"cluster\": \"shadow\", \"copies\": 2}",
                EmbeddedClusters.Behaviour.MANUAL);
        chain.writeInbound("a1");                               // both connecting: queued
        List<EmbeddedUpstream> shadows = env.clusters().connections("shadow");
        EmbeddedUpstream s0 = shadows.get(0);
        EmbeddedUpstream s1 = shadows.get(1);
        s0.completeConnect();
        chain.writeInbound("b2");                               // s0 straight from the read buffer, s1 queued
        s1.completeConnect();
        s0.setWritable(false);
        chain.writeInbound("c3");                               // s0 queued, s1 straight
        chain.writeInbound("d4");
        s0.setWritable(true);
        chain.writeInbound("e5");
        assertEquals("a1b2c3d4e5", s0.receivedString());
        assertEquals("a1b2c3d4e5", s1.receivedString());
        assertEquals("a1b2c3d4e5", chain.readOutboundString());  // tcp_proxy after the mirror got every byte
        chain.finishInbound();
        assertTrue(s0.isOutputShutdown() && s1.isOutputShutdown());
        assertEquals(20L, counters().get("bytes_to_shadow"));
        chain.finish();
    }

    @Test
    void aShadowThatNeverConnectsOverflowsItsBufferAndThePrimaryGoesOn() {
        EmbeddedFilterChain chain = chain("{\"cluster\": \"shadow\", \"max_buffer\": \"1KiB\", \"connect_timeout\": \"5s\"}",
                EmbeddedClusters.Behaviour.MANUAL);
        byte[] data = new byte[3000];
        new java.util.Random(1).nextBytes(data);
        chain.writeInbound(data);
        assertArrayEquals(data, chain.readAllOutbound());
        EmbeddedUpstream shadow = env.clusters().connections("shadow").get(0);
        assertTrue(shadow.wasCancelled() || shadow.isClosed());
        assertEquals(1L, counters().get("abandoned_overflow"));
        chain.finishInbound();
        assertTrue(chain.isClosed());
        assertEquals(1L, counters().get("verdict_shadow_failed"));
        String body = env.admin().call("GET", MirrorHub.REPORT, null, "").body();
        assertTrue(body.contains("shadow failed: overflow"), body);
        chain.finish();
    }

    @Test
    void aShadowThatTakesLongerThanConnectTimeoutIsAbandoned() {
        EmbeddedFilterChain chain = chain("{\"cluster\": \"shadow\", \"connect_timeout\": \"2s\"}",
                EmbeddedClusters.Behaviour.MANUAL);
        chain.writeInbound("ping");
        chain.advanceTimeBy(1, TimeUnit.SECONDS);
        assertEquals(null, counters().get("abandoned_connect_timeout"));
        chain.advanceTimeBy(1, TimeUnit.SECONDS);
        assertEquals(1L, counters().get("abandoned_connect_timeout"));
        assertEquals("ping", chain.readOutboundString());
        assertFalse(chain.isClosed());
        chain.finishInbound();
        chain.finish();
    }

    @Test
    void aRefusedShadowIsCountedAsConnectFailed() {
        EmbeddedFilterChain chain = chain("{\"cluster\": \"shadow\"}", EmbeddedClusters.Behaviour.REFUSE);
        chain.writeInbound("ping");
        assertEquals("ping", chain.readOutboundString());
        assertEquals(1L, counters().get("abandoned_connect_failed"));
        chain.finishInbound();
        chain.finish();
    }

    @Test
    void aShadowClusterTheRuntimeDoesNotKnowIsNoCluster() {
        // a runtime that names no clusters at creation (FilterEnvironment.clusterNames() empty) cannot have the
        // cluster checked then; the connection attempt finds none
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().environment(env).providerType("tcp_mirror")
                .config("{\"cluster\": \"shadow\"}").build();
        assertEquals(FilterStatus.CONTINUE, chain.writeInbound("ping"));
        assertEquals("ping", chain.readInboundString());                // the rest of the chain got it whole
        assertEquals(1L, counters().get("abandoned_no_cluster"));
        chain.closeRemotely();                                        // the verdict comes with the client's close
        assertEquals(1L, counters().get("verdict_shadow_failed"));
        chain.finish();
    }

    @Test
    void aShadowThatDoesNotFinishWithinTheGraceIsSlow() {
        EmbeddedFilterChain chain = chain("{\"cluster\": \"shadow\", \"grace\": \"2s\"}", EmbeddedClusters.Behaviour.ACCEPT);
        chain.writeInbound("ping");
        EmbeddedUpstream shadow = env.clusters().connections("shadow").get(0);
        shadow.send("pi");
        chain.finishInbound();
        assertTrue(chain.isClosed());
        assertEquals(0L, counters().get("verdict_shadow_failed"));
        chain.advanceTimeBy(2, TimeUnit.SECONDS);
        assertEquals(1L, counters().get("abandoned_slow"));
        assertEquals(1L, counters().get("verdict_shadow_failed"));
        chain.finish();
    }

    @Test
    void percentZeroMirrorsNothingAndTheAdminApiChangesIt() {
        EmbeddedFilterChain first = chain("{\"cluster\": \"shadow\", \"percent\": 0}", EmbeddedClusters.Behaviour.ACCEPT);
        first.writeInbound("one");
        assertEquals(0, env.clusters().connections("shadow").size());
        AdminResponse r = env.admin().call("PUT", MirrorHub.SETTINGS, null, "{\"percent\": 100}");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("\"percent\": 100.0"), r.body());
        AdminResponse bad = env.admin().call("PUT", MirrorHub.SETTINGS, null, "{\"percent\": 101}");
        assertEquals(400, bad.status());
        assertEquals("{\"error\": \"settings.percent: 101 (expected: a number from 0 to 100 (the share of connections "
                + "mirrored, fractions allowed))\"}", bad.body());
        assertEquals(404, env.admin().call("PUT", MirrorHub.SETTINGS, "listener=nope", "{\"enabled\": true}").status());
        first.finishInbound();
        first.finish();
    }
}
