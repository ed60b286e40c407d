package io.ferry.testkit.embedded;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.upstream.UpstreamCallbacks;
import io.ferry.filter.api.upstream.UpstreamConnection;
import io.ferry.filter.api.upstream.UpstreamFailure;
import io.ferry.filter.api.upstream.UpstreamRoute;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit's tcp_proxy stand-in and its in-memory upstream connections behave as the runtime's do. */
class EmbeddedTcpProxyTest {

    private static EmbeddedFilterChain chain(EmbeddedEnvironment env, ReadFilter... before) {
        EmbeddedFilterChain.Builder b = EmbeddedFilterChain.builder().environment(env);
        for (ReadFilter f : before) {
            b.readFilter(f);
        }
        return b.factory(EmbeddedTcpProxy.TYPE, EmbeddedTcpProxy.factory("backend")).captureInbound(false).build();
    }

    /** Holds in onNewConnection until the test calls {@link #release}; routes to the cluster it was given. */
    static final class Gate implements ReadFilter {
        ReadFilterCallbacks callbacks;
        String route;

        @Override
        public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus onNewConnection() {
            return FilterStatus.STOP;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            return FilterStatus.STOP;
        }

        void release() {
            if (route != null) {
                callbacks.connection().filterState().set(UpstreamRoute.KEY, UpstreamRoute.toCluster(route));
            }
            callbacks.continueReading();
        }
    }

    @Test
    void relaysBothWaysAndEndsWithFinsInEitherOrder() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.clusters().add("backend");
        EmbeddedFilterChain chain = chain(env);
        EmbeddedTcpProxy proxy = EmbeddedTcpProxy.of(chain);
        assertTrue(proxy.reached(), "nothing holds it: reached by the first pass");
        EmbeddedUpstream up = env.clusters().connections("backend").get(0);
        assertTrue(up.isConnected());
        assertTrue(chain.readEnabled(), "reading enabled again once connected");
        assertEquals("backend.embedded:1", chain.upstreamHost().address());

        chain.writeInbound("request");
        assertEquals("request", up.receivedString());
        up.send("response");
        assertEquals("response", chain.readOutboundString());

        chain.finishInbound();
        assertTrue(up.isOutputShutdown(), "the client's FIN is forwarded");
        up.send(" more");
        assertEquals(" more", chain.readOutboundString(), "half-close: the other direction keeps flowing");
        up.finish();
        assertTrue(chain.isClosed(), "the upstream's FIN ends the client's connection once both directions ended");
        assertEquals(ConnectionCloseType.FLUSH_WRITE, chain.closeType(), "a FIN after what is pending");
        assertTrue(up.isClosed());
        chain.finish();

        EmbeddedFilterChain other = chain(env);
        EmbeddedUpstream second = env.clusters().connections("backend").get(1);
        second.finish();
        assertTrue(other.isOutputShutdown(), "the upstream's FIN first: the client gets a FIN");
        other.writeInbound("still");
        assertEquals("still", second.receivedString(), "and can still send");
        other.finishInbound();
        assertTrue(other.isClosed());
        other.finish();
    }

    @Test
    void dialsOnlyWhenTheChainReachesItAndHonoursTheRouteOfTheFilterState() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.clusters().add("backend").add("blue");
        Gate gate = new Gate();
        gate.route = "blue";
        EmbeddedFilterChain chain = chain(env, gate);
        chain.writeInbound("held ");
        chain.writeInbound("bytes");
        assertFalse(EmbeddedTcpProxy.of(chain).reached());
        assertTrue(env.clusters().connections().isEmpty(), "no upstream connection while the filter holds");
        assertTrue(chain.readEnabled(), "R1.4: the hold does not disable reading");

        gate.release();
        chain.runPendingTasks();
        assertTrue(env.clusters().connections("backend").isEmpty());
        EmbeddedUpstream up = env.clusters().connections("blue").get(0);
        assertEquals("held bytes", up.receivedString(), "what was held, once the hold ended");
        chain.finish();
    }

    @Test
    void aFinThatArrivesDuringTheHoldFollowsTheHeldBytes() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.clusters().add("backend");
        Gate gate = new Gate();
        EmbeddedFilterChain chain = chain(env, gate);
        chain.writeInbound("last words");
        chain.finishInbound();
        gate.release();
        chain.runPendingTasks();
        EmbeddedUpstream up = env.clusters().connections("backend").get(0);
        assertEquals("last words", up.receivedString());
        assertTrue(up.isOutputShutdown(), "the FIN, after the bytes it follows");

        Gate empty = new Gate();
        EmbeddedFilterChain second = chain(env, empty);
        second.finishInbound();
        empty.release();
        second.runPendingTasks();
        assertTrue(env.clusters().connections("backend").get(1).isOutputShutdown(), "a FIN with no byte before it");
        chain.finish();
        second.finish();
    }

    @Test
    void aRefusingClusterClosesTheClientAndAnUnknownOneToo() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.clusters().add("backend", EmbeddedClusters.Behaviour.REFUSE);
        EmbeddedFilterChain chain = chain(env);
        assertTrue(chain.isClosed());
        assertEquals(UpstreamFailure.CONNECT_FAILED, EmbeddedTcpProxy.of(chain).failure());
        assertEquals(ConnectionCloseType.NO_FLUSH, chain.closeType());
        chain.finish();

        EmbeddedFilterChain none = chain(new EmbeddedEnvironment());
        assertEquals(UpstreamFailure.NO_CLUSTER, EmbeddedTcpProxy.of(none).failure());
        none.finish();
    }

    @Test
    void anUpstreamResetResetsTheClientAfterWhatItSent() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.clusters().add("backend");
        EmbeddedFilterChain chain = chain(env);
        EmbeddedUpstream up = env.clusters().connections("backend").get(0);
        up.send("partial");
        up.reset();
        assertEquals("partial", chain.readOutboundString());
        assertTrue(chain.isClosed());
        assertTrue(chain.transport().wasReset(), "a cut stream is passed on as a reset");
        chain.finish();
    }

    @Test
    void aClientThatGoesAwayResetsTheUpstream() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.clusters().add("backend");
        EmbeddedFilterChain chain = chain(env);
        chain.writeInbound("x");
        chain.closeRemotely();
        EmbeddedUpstream up = env.clusters().connections("backend").get(0);
        assertTrue(up.wasReset());
        assertTrue(up.isClosed());
        chain.finish();
    }

    @Test
    void backPressureBothWays() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.clusters().add("backend");
        EmbeddedFilterChain chain = chain(env);
        EmbeddedUpstream up = env.clusters().connections("backend").get(0);
        up.setWritable(false);
        assertFalse(chain.readEnabled(), "the upstream does not keep up: the client is not read");
        up.setWritable(true);
        assertTrue(chain.readEnabled());

        chain.setWritable(false);
        assertFalse(up.isReadEnabled(), "the client does not keep up: the upstream is not read");
        up.send("waits");
        assertNull(chain.readOutboundString(), "held while reading is disabled");
        chain.setWritable(true);
        assertTrue(up.isReadEnabled());
        assertEquals("waits", chain.readOutboundString());
        chain.finish();
    }

    @Test
    void anEchoClusterAnswersAndAManualOneWaits() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.clusters().add("backend", EmbeddedClusters.Behaviour.ECHO);
        EmbeddedFilterChain echo = chain(env);
        echo.writeInbound("ping");
        assertEquals("ping", echo.readOutboundString());
        echo.finishInbound();
        assertTrue(echo.isClosed(), "the echo's FIN follows the client's");
        echo.finish();

        EmbeddedEnvironment manual = new EmbeddedEnvironment();
        manual.clusters().add("backend", EmbeddedClusters.Behaviour.MANUAL);
        EmbeddedFilterChain chain = chain(manual);
        EmbeddedUpstream up = manual.clusters().connections("backend").get(0);
        assertFalse(up.isConnected());
        assertFalse(chain.readEnabled(), "reading waits for the upstream, as in tcp_proxy");
        up.completeConnect();
        assertTrue(chain.readEnabled());
        chain.finish();
    }

    @Test
    void eventsComeInOrderNeverFromInsideConnectAndBuffersAreRevoked() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.clusters().add("a", EmbeddedClusters.Behaviour.MANUAL);
        List<String> seen = new ArrayList<>();
        IoBuffer[] kept = new IoBuffer[1];
        UpstreamConnection[] conn = new UpstreamConnection[1];
        ReadFilter opener = new ReadFilter() {
            ReadFilterCallbacks cb;

            @Override
            public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
                cb = callbacks;
            }

            @Override
            public FilterStatus onNewConnection() {
                conn[0] = cb.upstreams().connect(UpstreamRoute.toCluster("a"), 2, new UpstreamCallbacks() {
                    @Override
                    public void onEvent(ConnectionEvent event) {
                        seen.add(event.name());
                    }

                    @Override
                    public void onData(IoBuffer buffer) {
                        seen.add("data " + buffer.toString(java.nio.charset.StandardCharsets.US_ASCII));
                        kept[0] = buffer;
                        buffer.drain(buffer.length());
                    }

                    @Override
                    public void onConnectFailure(UpstreamFailure failure) {
                        seen.add("failure " + failure);
                    }
                });
                seen.add("connect returned");
                conn[0].write(IoBuffer.wrap("queued".getBytes()));
                return FilterStatus.CONTINUE;
            }

            @Override
            public FilterStatus onData(IoBuffer buffer) {
                return FilterStatus.CONTINUE;
            }
        };
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().environment(env).readFilter(opener).build();
        EmbeddedUpstream up = env.clusters().connections("a").get(0);
        up.failConnect(true);
        up.completeConnect();
        up.send("hi");
        assertEquals(List.of("connect returned", "ON_CONNECT", "CONNECT_TIMEOUT", "ON_CONNECT", "CONNECTED", "data hi"),
                seen);
        assertEquals("queued", up.receivedString(), "writes before CONNECTED are sent once connected");
        assertEquals(2, up.attempts());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> kept[0].length());
        assertTrue(e.getMessage().startsWith("R4.1"), e.getMessage());
        conn[0].close(ConnectionCloseType.FLUSH_WRITE);
        chain.runPendingTasks();
        assertEquals("LOCAL_CLOSE", seen.get(seen.size() - 1));
        assertEquals(ConnectionCloseType.FLUSH_WRITE, up.closeType());
        chain.finish();
    }
}
