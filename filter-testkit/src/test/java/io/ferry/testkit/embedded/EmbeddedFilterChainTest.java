package io.ferry.testkit.embedded;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.HostInfo;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.WriteFilter;
import io.ferry.filter.api.admin.AdminResponse;
import io.ferry.filter.chain.ByteBufIoBuffer;
import io.ferry.testkit.sample.LineCounterProvider;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedFilterChainTest {

    /** Holds bytes until a full line is buffered, then lets the line through; the line-decoder of our tests. */
    static final class LineGate implements ReadFilter {
        ReadFilterCallbacks callbacks;

        @Override
        public void initializeReadFilterCallbacks(ReadFilterCallbacks cb) {
            this.callbacks = cb;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            for (int i = 0; i < buffer.length(); i++) {
                if (buffer.getByte(i) == '\n') {
                    return FilterStatus.CONTINUE;
                }
            }
            return FilterStatus.STOP;
        }
    }

    @Test
    void writeReadAssertFinish() {
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().readFilter(new LineGate()).build();
        assertEquals(FilterStatus.STOP, chain.writeInbound("hel"));
        assertNull(chain.readInbound());
        assertEquals(3, chain.bufferedBytes());
        assertEquals(FilterStatus.CONTINUE, chain.writeInbound("lo\n"));
        assertEquals("hello\n", new String(chain.readInbound(), StandardCharsets.UTF_8));
        assertTrue(chain.finish().isEmpty());
    }

    @Test
    void continueReadingFromAnotherThreadRunsOnTheHarnessThread() throws Exception {
        LineGate gate = new LineGate();
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().readFilter(gate).build();
        chain.writeInbound("partial");
        Thread timer = new Thread(() -> gate.callbacks.continueReading());
        timer.start();
        timer.join();
        assertEquals(0, chain.continueReadingCalls(), "queued, not run on the timer thread");
        assertEquals("partial", chain.readInboundString(), "the harness call ran the queued pass");
        assertEquals(1, chain.continueReadingCalls());
        chain.finish();
    }

    @Test
    void providerTypeAndConfigThroughServiceLoader() {
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder()
                .providerType(LineCounterProvider.TYPE).config("{\"max_line_bytes\": 4}")
                .build();
        chain.writeInbound("a\nlonger line\n");
        assertEquals("a\nlonger line\n", chain.readInboundString());
        assertTrue(chain.writeOutbound("ok\n"));
        assertEquals("ok\n", chain.readOutboundString());
        assertEquals(Map.of("bytes", 14L, "lines", 2L, "long_lines", 1L, "bytes_out", 3L),
                chain.environment().stats().snapshot(LineCounterProvider.TYPE));
        chain.finish();
    }

    @Test
    void invalidConfigAndUnknownTypeExplainThemselves() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> EmbeddedFilterChain.builder()
                .provider(new LineCounterProvider()).config("{\"max_line_bytes\": -1}").build());
        assertEquals("listeners[0].filter_chains[0].filters[0].config.max_line_bytes: -1 (expected: an integer from "
                + "1 to 65536)", bad.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> EmbeddedFilterChain.builder().providerType("acme.nope").build());
        assertTrue(unknown.getMessage().startsWith("No NetworkFilterFactoryProvider with type \"acme.nope\" found by "
                + "ServiceLoader (types found: [testkit.linecounter])"), unknown.getMessage());
    }

    @Test
    void writeOutboundPassesWriteFilters() {
        WriteFilter upper = buffers -> {
            IoBuffer b = buffers.get(0);
            String s = b.toString(StandardCharsets.UTF_8);
            b.drain(b.length());
            b.appendString(s.toUpperCase(), StandardCharsets.UTF_8);
            return FilterStatus.CONTINUE;
        };
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().writeFilter(upper).build();
        assertTrue(chain.writeOutbound("quiet"));
        assertEquals("QUIET", chain.readOutboundString());
        chain.finish();

        EmbeddedFilterChain dropping = EmbeddedFilterChain.builder()
                .writeFilter(buffers -> FilterStatus.STOP).build();
        assertFalse(dropping.writeOutbound("never"));
        assertNull(dropping.readOutbound());
        dropping.finish();
    }

    @Test
    void advanceTimeByRunsDueTimersInOrderWithoutSleeping() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        List<String> ran = new ArrayList<>();
        ManualScheduler s = env.scheduler();
        long t0 = s.currentTimeMillis();
        s.scheduleAtFixedRate(() -> ran.add("tick@" + (s.currentTimeMillis() - t0)), 10, 10, TimeUnit.SECONDS);
        s.schedule(() -> ran.add("once@" + (s.currentTimeMillis() - t0)), 15, TimeUnit.SECONDS);
        io.ferry.filter.api.spi.FilterScheduler.Cancellable c =
                s.schedule(() -> ran.add("cancelled"), 1, TimeUnit.SECONDS);
        c.cancel();
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().environment(env).build();
        chain.advanceTimeBy(35, TimeUnit.SECONDS);
        assertEquals(List.of("tick@10000", "once@15000", "tick@20000", "tick@30000"), ran);
        assertEquals(t0 + 35_000, s.currentTimeMillis());
        assertEquals(1, s.pendingTasks());
        chain.finish();
    }

    @Test
    void aTimerRunsOffTheConnectionsThreadAndWhatItAsksOfTheConnectionHappensThereAfterTheAdvance() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        AtomicReference<ReadFilterCallbacks> cb = new AtomicReference<>();
        List<Boolean> inLoop = new ArrayList<>();
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().environment(env).readFilter(new ReadFilter() {
            @Override
            public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
                cb.set(callbacks);
            }

            @Override
            public FilterStatus onData(IoBuffer buffer) {
                return FilterStatus.CONTINUE;
            }
        }).build();
        env.scheduler().schedule(() -> {
            inLoop.add(cb.get().connection().inEventLoop());
            cb.get().connection().write(IoBuffer.wrap("tick".getBytes(StandardCharsets.UTF_8)));
        }, 1, TimeUnit.SECONDS);
        chain.advanceTimeBy(1, TimeUnit.SECONDS);
        assertEquals(List.of(false), inLoop, "as in the runtime, a timer never runs on the connection's thread");
        assertEquals("tick", chain.readOutboundString(), "the write hopped to the connection's thread");

        env.scheduler().schedule(() -> cb.get().setUpstreamHost(null), 1, TimeUnit.SECONDS);
        IllegalStateException racy = assertThrows(IllegalStateException.class,
                () -> chain.advanceTimeBy(1, TimeUnit.SECONDS));
        assertTrue(racy.getMessage().startsWith("R4.3: ReadFilterCallbacks.setUpstreamHost() of \"embedded\" ("),
                racy.getMessage());
        assertTrue(racy.getMessage().contains("off the thread of connection " + chain.connection().id()),
                racy.getMessage());
        assertSame(racy, assertThrows(IllegalStateException.class, chain::checkException),
                "the violation is also recorded for finish()");
        chain.finish();
        env.close();
    }

    @Test
    void everyHarnessConnectionHasItsOwnIdUnlessOneIsGiven() throws Exception {
        EmbeddedFilterChain a = EmbeddedFilterChain.builder().build();
        EmbeddedFilterChain b = EmbeddedFilterChain.builder().build();
        java.util.concurrent.Future<Long> other = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        }).submit(() -> {
            EmbeddedFilterChain c = EmbeddedFilterChain.builder().build();
            c.finish();
            return c.connection().id();
        });
        java.util.Set<Long> ids = new java.util.HashSet<>(List.of(a.connection().id(), b.connection().id(),
                other.get()));
        assertEquals(3, ids.size(), ids.toString());
        assertEquals(42, EmbeddedFilterChain.builder().connectionId(42).build().connection().id());
        a.finish();
        b.finish();
    }

    @Test
    void adminEndpointsCanBeCalledInMemory() {
        EmbeddedEnvironment env = new EmbeddedEnvironment();
        env.admin().register("GET", "/api/v1/acme/echo", req -> AdminResponse.json(200,
                "{\"who\": \"" + req.queryParam("who").orElse("?") + "\", \"body\": \"" + req.body() + "\"}"));
        env.admin().register("PUT", "/api/v1/acme/fail", req -> {
            throw new IllegalArgumentException("boom");
        });
        AdminResponse ok = env.admin().call("GET", "/api/v1/acme/echo", "who=a%20b&x=1", "hi");
        assertEquals(200, ok.status());
        assertEquals("{\"who\": \"a b\", \"body\": \"hi\"}", ok.body());
        assertEquals(404, env.admin().call("GET", "/api/v1/acme/none", null, null).status());
        AdminResponse failed = env.admin().call("PUT", "/api/v1/acme/fail", null, null);
        assertEquals(500, failed.status());
        assertEquals("{\"error\": \"boom\"}", failed.body());
        IllegalStateException dup = assertThrows(IllegalStateException.class,
                () -> env.admin().register("GET", "/api/v1/acme/echo", req -> null));
        assertEquals("Admin endpoint GET /api/v1/acme/echo is already registered", dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> env.admin().register("GET", "/stats", req -> null));
        assertEquals(Map.of(), env.stats().snapshot());
        @SuppressWarnings("removal")
        java.util.Optional<String> none = env.service(String.class);
        assertEquals(java.util.Optional.empty(), none, "the kit, like the runtime, offers no service through the "
                + "deprecated locator");
    }

    @Test
    void halfCloseAndCloseAreObservable() {
        AtomicReference<ReadFilterCallbacks> cb = new AtomicReference<>();
        ReadFilter echo = new ReadFilter() {
            @Override
            public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
                cb.set(callbacks);
                callbacks.connection().addConnectionEventListener(e -> {
                    if (e == ConnectionEvent.REMOTE_HALF_CLOSE) {
                        callbacks.connection().closeWrite();
                    }
                });
            }

            @Override
            public FilterStatus onData(IoBuffer buffer) {
                callbacks().connection().write(buffer.copy());
                buffer.drain(buffer.length());
                return FilterStatus.STOP;
            }

            ReadFilterCallbacks callbacks() {
                return cb.get();
            }
        };
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().readFilter(echo).build();
        chain.writeInbound("ping");
        chain.finishInbound();
        assertEquals("ping", chain.readOutboundString());
        assertTrue(chain.isClosed());
        assertEquals(ConnectionEvent.LOCAL_CLOSE, chain.closeEvent());
        assertEquals(ConnectionCloseType.FLUSH_WRITE, chain.closeType());
        assertEquals(List.of(ConnectionEvent.REMOTE_HALF_CLOSE, ConnectionEvent.LOCAL_CLOSE), chain.events());
        chain.finish();
    }

    @Test
    void checkExceptionRethrowsWhatAFilterThrew() {
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().readFilter(buffer -> {
            throw new UnsupportedOperationException("not today");
        }).build();
        assertNull(chain.writeInbound("x"), "a failed pass has no status");
        assertTrue(chain.isClosed());
        assertEquals(ConnectionCloseType.NO_FLUSH, chain.closeType());
        assertEquals(ConnectionEvent.LOCAL_CLOSE, chain.closeEvent());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, chain::checkException);
        assertEquals("not today", e.getMessage());
        chain.checkException();
        chain.finish();
    }

    @Test
    void finishFailsOnALeakedBuffer() {
        List<ByteBuf> kept = new ArrayList<>();
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().readFilter(buffer -> {
            kept.add(((ByteBufIoBuffer) buffer).unwrap().retainedSlice());
            return FilterStatus.CONTINUE;
        }).build();
        chain.writeInbound("leak");
        AssertionError e = assertThrows(AssertionError.class, chain::finish);
        assertTrue(e.getMessage().startsWith("EmbeddedFilterChain.finish(): 1 of "), e.getMessage());
        assertTrue(e.getMessage().contains("were not released"), e.getMessage());
        kept.forEach(ByteBuf::release);
    }

    @Test
    void aKeptBufferIsCaughtWhenUsedLater() {
        List<IoBuffer> kept = new ArrayList<>();
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().readFilter(buffer -> {
            kept.add(buffer);
            return FilterStatus.CONTINUE;
        }).build();
        chain.writeInbound("mine");
        chain.environment().scheduler().schedule(() -> kept.get(0).toByteArray(), 1, TimeUnit.SECONDS);
        assertThrows(IllegalStateException.class, () -> chain.advanceTimeBy(1, TimeUnit.SECONDS));
        IllegalStateException recorded = assertThrows(IllegalStateException.class, chain::finish);
        assertTrue(recorded.getMessage().startsWith("R4.1: an IoBuffer was used after the callback"));
    }

    @Test
    void aFilterInstanceCannotServeTwoConnections() {
        ReadFilter shared = buffer -> FilterStatus.CONTINUE;
        EmbeddedFilterChain first = EmbeddedFilterChain.builder().readFilter(shared).connectionId(7).build();
        EmbeddedFilterChain second = EmbeddedFilterChain.builder().readFilter(shared).connectionId(8).build();
        assertTrue(second.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, second::checkException);
        assertTrue(e.getMessage().contains("is already attached to connection 7; "), e.getMessage());
        assertTrue(e.getMessage().endsWith("must create new filter instances for each connection (a lambda that "
                + "captures nothing is one instance for the whole JVM: use a class)"), e.getMessage());
        first.finish();
        second.finish();
    }

    @Test
    void readDisableUpstreamHostEventsAndWritability() {
        HostInfo host = new HostInfo() {
            @Override
            public String address() {
                return "127.0.0.1:8080";
            }

            @Override
            public String clusterName() {
                return "backend";
            }

            @Override
            public int weight() {
                return 1;
            }
        };
        List<Boolean> writability = new ArrayList<>();
        ReadFilter f = new ReadFilter() {
            @Override
            public void initializeReadFilterCallbacks(ReadFilterCallbacks cb) {
                cb.setUpstreamHost(host);
                cb.connection().setReadDisable(true);
            }

            @Override
            public FilterStatus onData(IoBuffer buffer) {
                return FilterStatus.CONTINUE;
            }
        };
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().readFilter(f).build();
        chain.connection().addWritabilityListener(writability::add);
        assertSame(host, chain.upstreamHost());
        assertFalse(chain.readEnabled());
        assertFalse(chain.transport().isAutoRead());
        assertNull(chain.writeInbound("held"), "no pass while reading is disabled");
        assertEquals(4, chain.bufferedBytes());
        chain.fireEvent(ConnectionEvent.ON_READ_TIMEOUT);
        assertEquals(List.of(ConnectionEvent.ON_READ_TIMEOUT), chain.events());
        chain.setWritable(false);
        assertEquals(List.of(false), writability);
        assertEquals(4, chain.finish().bufferedBytes());
    }

    @Test
    void harnessBelongsToTheThreadThatBuiltIt() throws Exception {
        EmbeddedFilterChain chain = EmbeddedFilterChain.builder().build();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                chain.writeInbound("x");
            } catch (Throwable t) {
                error.set(t);
            }
        }, "intruder");
        other.start();
        other.join();
        assertTrue(error.get() instanceof IllegalStateException);
        assertTrue(error.get().getMessage().startsWith("EmbeddedFilterChain used on thread \"intruder\""));
        chain.finish();
    }
}
