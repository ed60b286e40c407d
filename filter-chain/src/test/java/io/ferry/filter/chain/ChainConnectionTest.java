package io.ferry.filter.chain;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.WriteFilter;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test (at least) per rule of the chain engine; names cite the rule in FILTER-CONTRACT.md. */
@ExtendWith(NoNettyLeakReports.class)
class ChainConnectionTest {

    static final ListenerInfo LISTENER = new ListenerInfo() {
        @Override
        public String name() {
            return "ingress";
        }

        @Override
        public String network() {
            return "tcp";
        }

        @Override
        public String address() {
            return "127.0.0.1:2045";
        }

        @Override
        public SocketAddress socketAddress() {
            return new InetSocketAddress("127.0.0.1", 2045);
        }

        @Override
        public OptionalInt port() {
            return OptionalInt.of(2045);
        }
    };

    final List<String> log = new ArrayList<>();
    TestTransport transport;
    ChainConnection conn;
    ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void setUp() {
        transport = new TestTransport();
        conn = new ChainConnection(17, LISTENER, transport);
        transport.connection = conn;
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger("io.ferry.filter.chain")).addAppender(logs);
    }

    @AfterEach
    void noLeaks() {
        ((Logger) LoggerFactory.getLogger("io.ferry.filter.chain")).detachAppender(logs);
        if (!conn.isClosed()) {
            conn.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        }
        transport.runPending();
        assertNull(transport.alloc.describeLeaks(), "R4.7: every buffer is released once the connection closed");
    }

    /** A read filter that logs its callbacks and answers onData with {@code onData}. */
    final class Rec implements ReadFilter {
        final String name;
        final Function<IoBuffer, FilterStatus> onData;
        FilterStatus onNew = FilterStatus.CONTINUE;
        ReadFilterCallbacks callbacks;

        Rec(String name, Function<IoBuffer, FilterStatus> onData) {
            this.name = name;
            this.onData = onData;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            log.add(name + ".onData(" + buffer.toString(StandardCharsets.ISO_8859_1) + ")");
            return onData.apply(buffer);
        }

        @Override
        public FilterStatus onNewConnection() {
            log.add(name + ".onNewConnection");
            return onNew;
        }

        @Override
        public void initializeReadFilterCallbacks(ReadFilterCallbacks cb) {
            log.add(name + ".init");
            this.callbacks = cb;
        }
    }

    static FilterStatus pass(IoBuffer b) {
        return FilterStatus.CONTINUE;
    }

    static FilterStatus stop(IoBuffer b) {
        return FilterStatus.STOP;
    }

    static FilterStatus drainAll(IoBuffer b) {
        b.drain(b.length());
        return FilterStatus.STOP;
    }

    Rec rec(String name, Function<IoBuffer, FilterStatus> onData) {
        return new Rec(name, onData);
    }

    void chain(String type, ReadFilter... filters) {
        conn.createFilterChain(type, (ctx, cb) -> {
            for (ReadFilter f : filters) {
                cb.addReadFilter(f);
            }
        });
    }

    void read(String s) {
        conn.onRead(transport.buf(s));
    }

    // ------------------------------------------------------------------ R1: read filters

    @Test
    void r1_1_readFiltersRunInRegistrationOrder() {
        chain("first", rec("a", ChainConnectionTest::pass), rec("b", ChainConnectionTest::pass));
        chain("second", rec("c", ChainConnectionTest::drainAll));
        assertTrue(conn.initializeReadFilters());
        log.clear();
        read("x");
        assertEquals(List.of("a.onData(x)", "b.onData(x)", "c.onData(x)"), log);
    }

    @Test
    void r1_2_addReadFilterInitializesCallbacksImmediately() {
        Rec a = rec("a", ChainConnectionTest::pass);
        conn.createFilterChain("t", (ctx, cb) -> {
            cb.addReadFilter(a);
            log.add("after add");
            assertSame(conn, a.callbacks.connection(), "R1.2: callbacks are for this connection");
        });
        assertEquals(List.of("a.init", "after add"), log);
    }

    @Test
    void r1_3_onDataOnlyWhileBufferHasReadableBytes() {
        chain("t", rec("drainer", ChainConnectionTest::drainAll), rec("after", ChainConnectionTest::pass));
        chain("t2", rec("observer", ChainConnectionTest::pass));
        conn.initializeReadFilters();
        log.clear();
        read("abc");
        read("");
        assertEquals(List.of("drainer.onData(abc)"), log,
                "R1.3: filters after a draining filter are skipped silently; an empty read runs no filter");
        assertEquals(0, conn.readBuffer().length());
    }

    @Test
    void r1_4_onNewConnectionLazilyAtMostOnceBeforeFirstOnData() {
        chain("t", rec("a", ChainConnectionTest::pass), rec("b", ChainConnectionTest::drainAll));
        read("early");
        assertEquals(List.of("a.init", "b.init", "a.onNewConnection", "a.onData(early)", "b.onNewConnection",
                "b.onData(early)"), log, "R1.4: onNewConnection comes first, lazily, on the first pass");
        log.clear();
        conn.initializeReadFilters();
        read("late");
        assertEquals(List.of("a.onData(late)", "b.onData(late)"), log, "R1.4: at most once");
    }

    @Test
    void r1_4_stopFromOnNewConnectionPostponesLaterFilters() {
        Rec a = rec("a", ChainConnectionTest::pass);
        a.onNew = FilterStatus.STOP;
        Rec b = rec("b", ChainConnectionTest::drainAll);
        chain("t", a, b);
        log.clear();
        assertTrue(conn.initializeReadFilters());
        assertEquals(List.of("a.onNewConnection"), log, "R1.4: STOP ends the initialising pass");
        assertEquals(FilterStatus.STOP, conn.lastPassStatus());
        assertFalse(conn.isClosed(), "R1.4: STOP from onNewConnection does not close");
        assertTrue(conn.isReadEnabled(), "R1.4: ... and does not block reading");
        log.clear();
        read("x");
        assertEquals(List.of("a.onData(x)", "b.onNewConnection", "b.onData(x)"), log,
                "R1.4: the later filter is initialised when a pass first reaches it");
    }

    @Test
    void r1_5_stopEndsPassWithoutDraining() {
        chain("t", rec("a", ChainConnectionTest::stop), rec("b", ChainConnectionTest::drainAll));
        conn.initializeReadFilters();
        log.clear();
        read("held");
        assertEquals(List.of("a.onData(held)"), log);
        assertEquals(FilterStatus.STOP, conn.lastPassStatus());
        assertEquals("held", conn.readBuffer().toString(StandardCharsets.ISO_8859_1), "R1.5: nothing drained");
        assertFalse(conn.isClosed());
    }

    @Test
    void r1_6_undrainedBytesPresentedAgainFromFilter0WithNextReadAppended() {
        int[] calls = {0};
        chain("t", rec("a", ChainConnectionTest::pass), rec("b", buf -> {
            if (++calls[0] == 1) {
                buf.drain(1);
                return FilterStatus.STOP;
            }
            return drainAll(buf);
        }));
        conn.initializeReadFilters();
        log.clear();
        read("12345");
        read("678");
        assertEquals(List.of("a.onData(12345)", "b.onData(12345)", "a.onData(2345678)", "b.onData(2345678)"), log);
    }

    @Test
    void r1_7_continueReadingResumesAtNextFilterWithAccumulatedBuffer() {
        Rec a = rec("a", ChainConnectionTest::pass);
        Rec b = rec("b", ChainConnectionTest::stop);
        Rec c = rec("c", ChainConnectionTest::drainAll);
        chain("t", a, b, c);
        conn.initializeReadFilters();
        read("one");
        conn.setReadDisable(true);
        read("two");
        log.clear();
        b.callbacks.continueReading();
        assertEquals(List.of("c.onData(onetwo)"), log,
                "R1.7: resumes after the caller, not re-running it or earlier filters, with everything buffered");
    }

    @Test
    void r1_7_continueReadingFromAnotherThreadRunsOnConnectionThread() throws Exception {
        List<Thread> threads = new ArrayList<>();
        Rec b = rec("b", ChainConnectionTest::stop);
        chain("t", b, rec("c", buf -> {
            threads.add(Thread.currentThread());
            return drainAll(buf);
        }));
        conn.initializeReadFilters();
        read("x");
        Thread other = new Thread(() -> b.callbacks.continueReading());
        other.start();
        other.join();
        assertTrue(threads.isEmpty(), "R1.7: nothing runs on the calling thread");
        transport.runPending();
        assertEquals(List.of(Thread.currentThread()), threads, "R1.7: the pass runs on the connection's thread");
    }

    @Test
    void r1_7_continueReadingDuringAnotherCallbackRunsAfterThatPass() {
        Rec b = rec("b", ChainConnectionTest::stop);
        Rec c = rec("c", ChainConnectionTest::drainAll);
        boolean[] first = {true};
        Rec a = rec("a", buf -> {
            if (!first[0]) {
                b.callbacks.continueReading();
                log.add("a returns");
            }
            first[0] = false;
            return FilterStatus.CONTINUE;
        });
        chain("t", a, b, c);
        conn.initializeReadFilters();
        read("1");
        log.clear();
        read("2");
        assertEquals(List.of("a.onData(12)", "a returns", "b.onData(12)"), log,
                "R1.7: the resumed pass does not run inside another callback");
        transport.runPending();
        assertEquals(List.of("a.onData(12)", "a returns", "b.onData(12)", "c.onData(12)"), log,
                "R1.7: then it resumes after b, which is still stopped");
    }

    @Test
    void r4_5_emptyReadReDispatchesBufferedBytesAfterReenabling() {
        chain("t", rec("a", ChainConnectionTest::drainAll));
        conn.initializeReadFilters();
        conn.setReadDisable(true);
        read("late");
        conn.setReadDisable(false);
        log.clear();
        conn.onRead(io.netty.buffer.Unpooled.EMPTY_BUFFER);
        assertEquals(List.of("a.onData(late)"), log);
    }

    @Test
    void r1_8_continueReadingWhenNotStoppedThrowsNamingFilter() {
        Rec a = rec("a", ChainConnectionTest::drainAll);
        Rec p = rec("p", ChainConnectionTest::pass);
        conn.createFilterChain("acme.audit", (ctx, cb) -> {
            cb.addReadFilter(p);
            cb.addReadFilter(a);
        });
        conn.initializeReadFilters();
        read("x");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.callbacks.continueReading());
        assertEquals("continueReading() called by read filter \"acme.audit\" (" + Rec.class.getName()
                + ") on connection 17 while it was not stopped; call it only after returning FilterStatus.STOP",
                e.getMessage());
        conn.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> a.callbacks.continueReading());
        assertTrue(closed.getMessage().endsWith("after connection 17 was closed"), closed.getMessage());
    }

    @Test
    void r1_9_nullStatusClosesConnectionWithErrorNamingFilter() {
        List<Throwable> failures = new ArrayList<>();
        conn.setObserver(new ChainObserver() {
            @Override
            public void filterFailed(String type, Object filter, Throwable error) {
                failures.add(error);
            }
        });
        conn.createFilterChain("acme.audit", (ctx, cb) -> cb.addReadFilter(new AuditFilter()));
        conn.initializeReadFilters();
        read("x");
        String expected = "Read filter \"acme.audit\" (" + AuditFilter.class.getName() + ") returned null from "
                + "onData(); return FilterStatus.CONTINUE or FilterStatus.STOP.";
        assertTrue(conn.isClosed(), "R1.9: the connection is closed");
        assertEquals(Boolean.FALSE, transport.closedWithFlush, "R1.9: NO_FLUSH");
        assertEquals(1, failures.size());
        assertEquals(expected, failures.get(0).getMessage());
        assertEquals(1, logs.list.size());
        assertEquals(expected + " Closing connection 17 of listener \"ingress\".", logs.list.get(0).getFormattedMessage());
    }

    static final class AuditFilter implements ReadFilter {
        @Override
        public FilterStatus onData(IoBuffer buffer) {
            return null;
        }
    }

    @Test
    void r1_10_throwingFilterClosesConnectionWithOneLogLine() {
        List<ConnectionEvent> events = new ArrayList<>();
        conn.addConnectionEventListener(events::add);
        Rec after = rec("after", ChainConnectionTest::drainAll);
        conn.createFilterChain("acme.boom", (ctx, cb) -> cb.addReadFilter(rec("boom", buf -> {
            throw new IllegalArgumentException("bad byte");
        })));
        chain("t", after);
        conn.initializeReadFilters();
        log.clear();
        read("x");
        transport.runPending();
        assertEquals(List.of("boom.onData(x)"), log, "R1.10: the pass ends at the failing filter");
        assertTrue(conn.isClosed());
        assertEquals(Boolean.FALSE, transport.closedWithFlush);
        assertEquals(List.of(ConnectionEvent.LOCAL_CLOSE), events);
        assertEquals(1, logs.list.size(), "R1.10: exactly one log line");
        ILoggingEvent line = logs.list.get(0);
        assertEquals(Level.ERROR, line.getLevel());
        assertEquals("Read filter \"acme.boom\" (" + Rec.class.getName() + ") threw from onData() on connection 17 "
                + "of listener \"ingress\"; closing the connection", line.getFormattedMessage());
        assertEquals("bad byte", line.getThrowableProxy().getMessage());
    }

    @Test
    void r1_10_throwingFactoryClosesConnectionWithOneLogLine() {
        conn.createFilterChain("acme.broken", (ctx, cb) -> {
            throw new IllegalStateException("no");
        });
        assertTrue(conn.isClosed());
        assertFalse(conn.initializeReadFilters());
        assertEquals(1, logs.list.size());
        assertTrue(logs.list.get(0).getFormattedMessage().startsWith("Network filter factory \"acme.broken\""));
    }

    // ------------------------------------------------------------------ R2: write filters

    final class WRec implements WriteFilter {
        final String name;
        final FilterStatus status;

        WRec(String name, FilterStatus status) {
            this.name = name;
            this.status = status;
        }

        @Override
        public FilterStatus onWrite(List<IoBuffer> buffers) {
            log.add(name + ".onWrite(" + buffers.get(0).toString(StandardCharsets.ISO_8859_1) + ")");
            return status;
        }
    }

    void writeChain(WriteFilter... filters) {
        conn.createFilterChain("w", (ctx, cb) -> {
            for (WriteFilter f : filters) {
                cb.addWriteFilter(f);
            }
        });
    }

    @Test
    void r2_1_writeFiltersRunInRegistrationOrder() {
        writeChain(new WRec("a", FilterStatus.CONTINUE), new WRec("b", FilterStatus.CONTINUE));
        assertTrue(conn.initializeReadFilters(), "a chain with only write filters is kept");
        conn.write(IoBuffer.wrap("hi".getBytes(StandardCharsets.ISO_8859_1)));
        conn.write(transport.buf("there"));
        assertEquals(List.of("a.onWrite(hi)", "b.onWrite(hi)", "a.onWrite(there)", "b.onWrite(there)"), log);
        assertEquals(List.of("hi", "there"), transport.written);
    }

    @Test
    void r2_2_firstStopDropsWriteAndReleasesBuffers() {
        writeChain(new WRec("a", FilterStatus.STOP), new WRec("b", FilterStatus.CONTINUE));
        ByteBuf data = transport.buf("secret");
        conn.write(data);
        assertEquals(List.of("a.onWrite(secret)"), log);
        assertTrue(transport.written.isEmpty(), "R2.2: the write is dropped");
        assertEquals(0, data.refCnt(), "R2.2: ... and its buffer released");
    }

    @Test
    void r2_3_throwingOrNullWriteFilterClosesConnection() {
        writeChain(new WriteFilter() {
            @Override
            public FilterStatus onWrite(List<IoBuffer> buffers) {
                return null;
            }
        });
        ByteBuf data = transport.buf("x");
        conn.write(data);
        assertTrue(conn.isClosed());
        assertEquals(0, data.refCnt());
        assertEquals(1, logs.list.size());
        assertTrue(logs.list.get(0).getFormattedMessage().contains("returned null from onWrite()"));
    }

    // ------------------------------------------------------------------ R3: factories

    @Test
    void r3_5_filterInstanceOnSecondConnectionRefused() {
        Rec shared = rec("shared", ChainConnectionTest::pass);
        NetworkFilterChainFactory factory = (ctx, cb) -> cb.addReadFilter(shared);
        conn.createFilterChain("acme.audit", factory);
        assertFalse(conn.isClosed());

        TestTransport t2 = new TestTransport();
        ChainConnection second = new ChainConnection(18, LISTENER, t2);
        t2.connection = second;
        List<Throwable> failures = new ArrayList<>();
        second.setObserver(new ChainObserver() {
            @Override
            public void filterFailed(String type, Object filter, Throwable error) {
                failures.add(error);
            }
        });
        second.createFilterChain("acme.audit", factory);
        assertTrue(second.isClosed(), "R3.5: the second connection is refused and closed");
        assertEquals(1, failures.size());
        Throwable e = failures.get(0);
        assertTrue(e instanceof IllegalStateException);
        String prefix = "Read filter \"acme.audit\" instance " + Rec.class.getName() + "@"
                + Integer.toHexString(System.identityHashCode(shared)) + " is already attached to connection 17; ";
        assertEquals(prefix + factory.getClass().getName()
                + ".createFilterChain() must create new filter instances for each connection", e.getMessage());
        t2.runPending();
        assertNull(t2.alloc.describeLeaks());
    }

    @Test
    void r3_5_oneInstanceAsReadAndWriteFilterOfOneConnectionIsAllowed() {
        final class Both implements ReadFilter, WriteFilter {
            @Override
            public FilterStatus onData(IoBuffer buffer) {
                return FilterStatus.CONTINUE;
            }

            @Override
            public FilterStatus onWrite(List<IoBuffer> buffers) {
                return FilterStatus.CONTINUE;
            }
        }
        Both both = new Both();
        conn.createFilterChain("tcpcopy", (ctx, cb) -> {
            cb.addReadFilter(both);
            cb.addWriteFilter(both);
        });
        assertFalse(conn.isClosed());
        assertEquals(List.of(both), conn.readFilters());
        assertEquals(List.of(both), conn.writeFilters());
    }

    @Test
    void r3_7_chainWithoutFiltersReportsFalse() {
        conn.createFilterChain("empty", (ctx, cb) -> { });
        assertFalse(conn.initializeReadFilters(), "R3.7: no read and no write filter: the caller closes");
    }

    // ------------------------------------------------------------------ R4: buffers, threading, connection

    @Test
    void r4_1_revokedBufferUsedAfterCallbackFails() {
        AtomicReference<IoBuffer> kept = new AtomicReference<>();
        List<IllegalStateException> misuse = new ArrayList<>();
        conn.setObserver(new ChainObserver() {
            @Override
            public void bufferUsedAfterCallback(IllegalStateException error) {
                misuse.add(error);
            }
        });
        conn.revokeBuffersAfterCallbacks(true);
        chain("t", rec("keeper", buf -> {
            kept.set(buf);
            return FilterStatus.STOP;
        }));
        conn.initializeReadFilters();
        read("abc");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> kept.get().length());
        assertTrue(e.getMessage().startsWith("R4.1: an IoBuffer was used after the callback that received it "
                + "returned (connection 17)"), e.getMessage());
        assertEquals(List.of(e), misuse);
        assertEquals("abc", conn.readBuffer().toString(StandardCharsets.ISO_8859_1), "the bytes are still there");
    }

    @Test
    void r4_3_writeCloseAndReadDisableFromAnotherThreadRunOnConnectionThread() throws Exception {
        List<Thread> seen = new ArrayList<>();
        writeChain(buffers -> {
            seen.add(Thread.currentThread());
            return FilterStatus.CONTINUE;
        });
        Thread other = new Thread(() -> {
            conn.write(IoBuffer.wrap("a".getBytes(StandardCharsets.ISO_8859_1)));
            conn.setReadDisable(true);
            conn.close(ConnectionCloseType.FLUSH_WRITE, ConnectionEvent.LOCAL_CLOSE);
        });
        other.start();
        other.join();
        assertTrue(seen.isEmpty() && transport.written.isEmpty() && !conn.isClosed(),
                "R4.3: nothing ran on the other thread");
        transport.runPending();
        assertEquals(List.of(Thread.currentThread()), seen);
        assertEquals(List.of("a"), transport.written);
        assertEquals(List.of(false), transport.autoReadCalls);
        assertTrue(conn.isClosed());
        assertEquals(Boolean.TRUE, transport.closedWithFlush, "R4.3: executed in call order: write before close");
    }

    @Test
    void r4_5_setReadDisableNestsAndMapsToAutoRead() {
        Rec a = rec("a", ChainConnectionTest::drainAll);
        chain("t", a);
        conn.initializeReadFilters();
        conn.setReadDisable(true);
        conn.setReadDisable(true);
        conn.setReadDisable(false);
        assertFalse(conn.isReadEnabled(), "R4.5: one enable does not undo two disables");
        log.clear();
        read("x");
        assertEquals(List.of(), log, "R4.5: no pass while reading is disabled");
        conn.setReadDisable(false);
        assertTrue(conn.isReadEnabled());
        assertEquals(List.of(false, true), transport.autoReadCalls, "R4.5: only transitions reach the transport");
        assertEquals(List.of(), log, "R4.5: enabling does not re-present buffered bytes by itself");
        conn.setReadDisable(false);
        assertEquals(List.of(false, true), transport.autoReadCalls, "an extra enable is a no-op");
        read("y");
        assertEquals(List.of("a.onData(xy)"), log);
    }

    @Test
    void r4_6_closeAtMostOnceListenersGetEventOnceInOrder() {
        List<String> events = new ArrayList<>();
        conn.addConnectionEventListener(e -> events.add("first:" + e));
        conn.addConnectionEventListener(e -> events.add("second:" + e));
        conn.close(ConnectionCloseType.FLUSH_WRITE, ConnectionEvent.ON_READ_ERR_CLOSE);
        conn.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        assertTrue(conn.isClosed());
        assertEquals(Boolean.TRUE, transport.closedWithFlush, "R4.6: only the first close acts");
        transport.runPending();
        conn.onTransportClosed();
        assertEquals(List.of("first:ON_READ_ERR_CLOSE", "second:ON_READ_ERR_CLOSE"), events);
    }

    @Test
    void r4_6_transportClosedFiresRemoteCloseOnceAndReleasesReadBuffer() {
        List<ConnectionEvent> events = new ArrayList<>();
        conn.addConnectionEventListener(events::add);
        chain("t", rec("a", ChainConnectionTest::stop));
        conn.initializeReadFilters();
        ByteBuf data = transport.buf("pending");
        conn.onRead(data);
        conn.onTransportClosed();
        conn.onTransportClosed();
        assertEquals(List.of(ConnectionEvent.REMOTE_CLOSE), events);
        assertEquals(0, data.refCnt(), "R4.6: the read buffer is released");
        ByteBuf late = transport.buf("late");
        conn.onRead(late);
        assertEquals(0, late.refCnt(), "bytes after close are released");
    }

    @Test
    void r4_6_peerFinSetsEofRunsPassAndFiresHalfClose() {
        List<String> events = new ArrayList<>();
        conn.addConnectionEventListener(e -> events.add(e.name()));
        boolean[] eofSeen = {false};
        chain("t", rec("a", ChainConnectionTest::stop), rec("b", buf -> {
            eofSeen[0] = buf.isEof();
            return drainAll(buf);
        }));
        conn.initializeReadFilters();
        read("req");
        log.clear();
        conn.onReadEof();
        assertEquals(List.of("a.onData(req)"), log, "R4.6: pending bytes get a pass at EOF");
        assertTrue(conn.readBuffer().isEof());
        assertEquals(List.of("REMOTE_HALF_CLOSE"), events);
        assertFalse(conn.isClosed(), "R4.6: a half-closed connection can still write");
        conn.write(IoBuffer.wrap("resp".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(List.of("resp"), transport.written);
        conn.closeWrite();
        assertTrue(conn.isClosed(), "R4.6: both sides shut: closed");
        assertEquals(Boolean.TRUE, transport.closedWithFlush);
        transport.runPending();
        assertEquals(List.of("REMOTE_HALF_CLOSE", "LOCAL_CLOSE"), events);
        assertFalse(eofSeen[0]);
    }

    @Test
    void r4_6_closeWriteHalfClosesThenPeerFinClosesFully() {
        List<ConnectionEvent> events = new ArrayList<>();
        conn.addConnectionEventListener(events::add);
        chain("t", rec("a", ChainConnectionTest::drainAll));
        conn.initializeReadFilters();
        conn.closeWrite();
        assertTrue(transport.outputShutdown, "R4.6: closeWrite shuts the output down");
        assertFalse(conn.isClosed());
        conn.write(transport.buf("dropped"));
        assertTrue(transport.written.isEmpty(), "writes after closeWrite are dropped");
        read("still reading");
        assertEquals("a.onData(still reading)", log.get(log.size() - 1));
        conn.onReadEof();
        assertTrue(conn.isClosed());
        transport.runPending();
        assertEquals(List.of(ConnectionEvent.REMOTE_HALF_CLOSE, ConnectionEvent.REMOTE_CLOSE), events);
    }

    @Test
    void r4_6_eofFlagOnWrittenBufferShutsOutputAfterIt() {
        IoBuffer last = IoBuffer.wrap("bye".getBytes(StandardCharsets.ISO_8859_1));
        last.setEof(true);
        conn.write(last);
        assertEquals(List.of("bye"), transport.written);
        assertTrue(transport.outputShutdown);
    }

    @Test
    void r4_6_eventsFromRuntimeReachListeners() {
        List<ConnectionEvent> events = new ArrayList<>();
        conn.addConnectionEventListener(events::add);
        conn.onEvent(ConnectionEvent.ON_READ_TIMEOUT);
        assertEquals(List.of(ConnectionEvent.ON_READ_TIMEOUT), events);
        List<Boolean> writability = new ArrayList<>();
        conn.addWritabilityListener(writability::add);
        conn.onWritabilityChanged(false);
        conn.onWritabilityChanged(true);
        assertEquals(List.of(false, true), writability);
    }

    @Test
    void aWritabilityListenerAddedWhileTheTransportIsNotWritableIsToldAtOnce() {
        transport.writable = false;
        List<Boolean> late = new ArrayList<>();
        conn.addWritabilityListener(late::add);
        assertEquals(List.of(false), late, "the listener must not wait for a change that already happened");
        transport.writable = true;
        conn.onWritabilityChanged(true);
        assertEquals(List.of(false, true), late);
        List<Boolean> early = new ArrayList<>();
        conn.addWritabilityListener(early::add);
        assertEquals(List.of(), early, "nothing to tell a listener added while writable");
    }

    @Test
    void r4_7_emptyCumulationTakesIncomingBufferWithoutCopy() {
        ByteBuf[] seen = new ByteBuf[1];
        chain("t", rec("a", buf -> {
            seen[0] = ((ByteBufIoBuffer) buf).unwrap();
            return drainAll(buf);
        }));
        conn.initializeReadFilters();
        IoBuffer wrapper = conn.readBuffer();
        ByteBuf data = transport.buf("zero-copy");
        int before = transport.alloc.allocations();
        conn.onRead(data);
        assertSame(data, seen[0], "R4.7: the incoming buffer is the read buffer's content");
        assertEquals(before, transport.alloc.allocations(), "R4.7: no allocation on the read path");
        assertEquals(0, data.refCnt(), "R4.7: a drained buffer is released after the pass");
        assertSame(wrapper, conn.readBuffer(), "R4.7: the IoBuffer wrapper is reused");
    }

    @Test
    void r4_7_appendMergesAndReleasesConsumedBuffers() {
        chain("t", rec("a", buf -> buf.length() < 6 ? FilterStatus.STOP : drainAll(buf)));
        conn.initializeReadFilters();
        ByteBuf first = transport.buf("abc");
        ByteBuf second = transport.buf("def");
        conn.onRead(first);
        conn.onRead(second);
        assertEquals(List.of("a.onData(abc)", "a.onData(abcdef)"), log.subList(log.size() - 2, log.size()));
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
    }

    @Test
    void r4_7_retainedSliceOfReadBufferStaysValidAndIsNotOverwritten() {
        List<ByteBuf> slices = new ArrayList<>();
        chain("t", rec("proxy", buf -> {
            ByteBufIoBuffer b = (ByteBufIoBuffer) buf;
            slices.add(b.unwrap().readRetainedSlice(b.length()));
            return FilterStatus.STOP;
        }));
        conn.initializeReadFilters();
        read("one");
        read("two");
        assertEquals("one", slices.get(0).toString(StandardCharsets.ISO_8859_1));
        assertEquals("two", slices.get(1).toString(StandardCharsets.ISO_8859_1));
        slices.forEach(ByteBuf::release);
    }

    @Test
    void writeOfAFiltersHeapBufferSendsItsReadableBytesOnce() {
        // filter-api's heap buffer is package-private, so the chain cannot wrap its array: it copies it once
        byte[] bytes = "0123456789".getBytes(StandardCharsets.ISO_8859_1);
        IoBuffer heap = IoBuffer.wrap(bytes);
        heap.drain(2);
        conn.write(heap);
        assertEquals(List.of("23456789"), transport.written);
        assertNotSame(bytes, transport.writtenArrays.get(0));
    }

    @Test
    void r4_7_writingTheReadBufferIsRefused() {
        TestTransport otherTransport = new TestTransport();
        ChainConnection other = new ChainConnection(18, LISTENER, otherTransport);
        otherTransport.connection = other;
        chain("t", rec("echo", buf -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conn.write(buf));
            assertEquals("write() on connection 17 was given a connection's read buffer, which the runtime owns; "
                    + "write buffer.copy() and drain(buffer.length()) instead", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> other.write(buf), "nor to another connection");
            conn.write(buf.copy());
            return drainAll(buf);
        }));
        conn.initializeReadFilters();
        read("ping");
        assertEquals(List.of("ping"), transport.written);
    }

    @Test
    void r4_8_readBufferDrainedCountIsTheInboundStreamOffset() {
        List<Long> offsets = new ArrayList<>();
        int[] step = {0};
        conn.createFilterChain("observer", (ctx, cb) -> cb.addReadFilter(buffer -> {
            offsets.add(buffer.drainedCount());
            return FilterStatus.CONTINUE;
        }));
        conn.createFilterChain("terminal", (ctx, cb) -> cb.addReadFilter(buffer -> {
            switch (step[0]++) {
                case 0:
                    return FilterStatus.STOP;                               // keeps "abc": presented again
                case 1:
                    buffer.drain(2);                                        // a filter drains 2 of "abcde"
                    return FilterStatus.STOP;
                default:                                                    // the relay slices the rest off
                    ((ByteBufIoBuffer) buffer).unwrap().skipBytes(buffer.length());
                    return FilterStatus.STOP;
            }
        }));
        conn.initializeReadFilters();
        read("abc");
        read("de");
        read("fgh");
        read("ij");
        assertEquals(List.of(0L, 0L, 2L, 8L), offsets,
                "R4.8: drainedCount() of the read buffer is the stream offset of its first readable byte, "
                        + "however the bytes before it were consumed");
    }

}
