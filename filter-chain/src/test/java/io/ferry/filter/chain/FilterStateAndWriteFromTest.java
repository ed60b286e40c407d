package io.ferry.filter.chain;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterState;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.upstream.UpstreamConnector;
import io.ferry.filter.api.upstream.UpstreamRoute;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The filter state of a connection, the zero-copy {@code writeFrom}, and what read filters learn of the chain. */
@ExtendWith(NoNettyLeakReports.class)
class FilterStateAndWriteFromTest {

    static final FilterState.Key<String> TENANT = FilterState.Key.of("test.tenant", String.class);
    static final FilterState.Key<String> IDENTITY = FilterState.Key.readOnly("test.identity", String.class);

    TestTransport transport;
    ChainConnection conn;

    @BeforeEach
    void setUp() {
        transport = new TestTransport();
        conn = new ChainConnection(21, ChainConnectionTest.LISTENER, transport);
        transport.connection = conn;
    }

    @AfterEach
    void noLeaks() {
        if (!conn.isClosed()) {
            conn.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        }
        transport.runPending();
        assertNull(transport.alloc.describeLeaks());
    }

    /** A filter whose onData runs {@code body}. */
    static ReadFilter filter(java.util.function.BiFunction<ReadFilterCallbacks, IoBuffer, FilterStatus> body,
                             AtomicReference<ReadFilterCallbacks> cb) {
        return new ReadFilter() {
            ReadFilterCallbacks callbacks;

            @Override
            public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
                this.callbacks = callbacks;
                if (cb != null) {
                    cb.set(callbacks);
                }
            }

            @Override
            public FilterStatus onData(IoBuffer buffer) {
                return body.apply(callbacks, buffer);
            }
        };
    }

    @Test
    void anEarlierFilterSetsStateALaterOneReadsIt() {
        List<String> seen = new ArrayList<>();
        conn.createFilterChain("a", (ctx, cb) -> cb.addReadFilter(filter((c, b) -> {
            c.connection().filterState().set(TENANT, "blue");
            return FilterStatus.CONTINUE;
        }, null)));
        conn.createFilterChain("b", (ctx, cb) -> cb.addReadFilter(filter((c, b) -> {
            seen.add(c.connection().filterState().get(TENANT));
            b.drain(b.length());
            return FilterStatus.STOP;
        }, null)));
        assertTrue(conn.initializeReadFilters());
        assertNull(conn.filterState().get(TENANT), "empty when the connection is accepted");
        conn.onRead(transport.buf("x"));
        assertEquals(List.of("blue"), seen);
        assertSame(conn.filterState(), conn.filterState(), "one state per connection");
    }

    @Test
    void mutableKeysAreReplacedAndRemovedReadOnlyKeysAreSetOnce() {
        FilterState state = conn.filterState();
        state.set(TENANT, "blue");
        state.set(TENANT, "green");
        assertEquals("green", state.get(TENANT));
        assertTrue(state.has(TENANT));
        assertEquals("green", state.remove(TENANT));
        assertFalse(state.has(TENANT));
        assertNull(state.remove(TENANT));

        state.set(IDENTITY, "alice");
        IllegalStateException again = assertThrows(IllegalStateException.class, () -> state.set(IDENTITY, "mallory"));
        assertTrue(again.getMessage().contains("read-only and already set"), again.getMessage());
        assertThrows(IllegalStateException.class, () -> state.remove(IDENTITY));
        assertEquals("alice", state.get(IDENTITY));
        assertThrows(NullPointerException.class, () -> state.set(TENANT, null));
    }

    @Test
    void aNameHoldsOneKindOfValue() {
        FilterState state = conn.filterState();
        state.set(TENANT, "blue");
        FilterState.Key<Integer> sameNameOtherType = FilterState.Key.of("test.tenant", Integer.class);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> state.get(sameNameOtherType));
        assertTrue(e.getMessage().contains("must use equal keys"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> state.set(sameNameOtherType, 7));
        FilterState.Key<String> sameNameReadOnly = FilterState.Key.readOnly("test.tenant", String.class);
        assertThrows(IllegalStateException.class, () -> state.get(sameNameReadOnly));
        @SuppressWarnings({"unchecked", "rawtypes"})
        FilterState.Key<String> raw = (FilterState.Key) FilterState.Key.of("test.number", Integer.class);
        assertThrows(ClassCastException.class, () -> state.set(raw, "not a number"), "values are type-checked");
        assertEquals(FilterState.Key.of("test.tenant", String.class), TENANT);
    }

    @Test
    void theStateBelongsToTheConnectionsThread() throws Exception {
        FilterState state = conn.filterState();
        CompletableFuture<Throwable> off = CompletableFuture.supplyAsync(() -> {
            try {
                state.get(TENANT);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Throwable t = off.get();
        assertInstanceOf(IllegalStateException.class, t);
        assertTrue(t.getMessage().contains("off connection 21's thread"), t.getMessage());
        ChainConnection fresh = new ChainConnection(22, ChainConnectionTest.LISTENER, transport);
        assertInstanceOf(IllegalStateException.class, CompletableFuture.supplyAsync(() -> {
            try {
                return fresh.filterState();
            } catch (IllegalStateException e) {
                return e;
            }
        }).get());
    }

    @Test
    void writeFromMovesTheReadBufferWithoutACopy() {
        AtomicReference<ByteBuf> backing = new AtomicReference<>();
        List<Long> drained = new ArrayList<>();
        conn.createFilterChain("relay", (ctx, cb) -> cb.addReadFilter(filter((c, b) -> {
            backing.set(((ByteBufIoBuffer) b).unwrap());
            c.connection().writeFrom(b);
            drained.add(b.drainedCount());
            assertEquals(0, b.length(), "writeFrom drains the source");
            return FilterStatus.STOP;
        }, null)));
        conn.initializeReadFilters();
        ByteBuf in = transport.buf("hello");
        conn.onRead(in);
        assertEquals(List.of("hello"), transport.written);
        assertSame(in, transport.writtenBuffers.get(0), "the bytes read are the bytes written: no copy");
        conn.onRead(transport.buf(" world"));
        assertEquals(List.of("hello", " world"), transport.written);
        assertEquals(List.of(5L, 11L), drained, "R4.8: the moved bytes count as drained");
    }

    @Test
    void writeFromCopiesAHeapBufferAndKeepsTheEofFlagToItself() {
        IoBuffer heap = IoBuffer.wrap("abc".getBytes());
        heap.setEof(true);
        conn.writeFrom(heap);
        assertEquals(List.of("abc"), transport.written);
        assertEquals(0, heap.length());
        assertFalse(transport.outputShutdown, "the EOF flag of the source is not carried");
    }

    @Test
    void writeFromPassesTheWriteFilters() {
        List<String> seen = new ArrayList<>();
        conn.createFilterChain("w", (ctx, cb) -> cb.addWriteFilter(buffers -> {
            seen.add(buffers.get(0).toString(java.nio.charset.StandardCharsets.US_ASCII));
            return FilterStatus.CONTINUE;
        }));
        conn.initializeReadFilters();
        ByteBufIoBuffer source = new ByteBufIoBuffer(transport.buf("relayed"), transport.alloc);
        conn.writeFrom(source);
        assertEquals(List.of("relayed"), seen);
        assertEquals(List.of("relayed"), transport.written);
    }

    @Test
    void bufferedBytesTellsWhatFiltersHoldAndUpstreamsDefaultToNone() {
        AtomicReference<ReadFilterCallbacks> first = new AtomicReference<>();
        AtomicReference<ReadFilterCallbacks> last = new AtomicReference<>();
        conn.createFilterChain("hold", (ctx, cb) -> cb.addReadFilter(filter((c, b) -> FilterStatus.STOP, first)));
        conn.createFilterChain("end", (ctx, cb) -> cb.addReadFilter(filter((c, b) -> {
            b.drain(b.length());
            return FilterStatus.STOP;
        }, last)));
        conn.initializeReadFilters();
        assertEquals(0, last.get().bufferedBytes());
        conn.onRead(transport.buf("held"));
        assertEquals(4, last.get().bufferedBytes(), "the first filter holds 4 bytes");
        first.get().continueReading();
        assertEquals(0, last.get().bufferedBytes());
        assertSame(UpstreamConnector.NONE, last.get().upstreams());
        assertThrows(UnsupportedOperationException.class,
                () -> last.get().upstreams().connect(UpstreamRoute.toCluster("x"), null));
    }

    @Test
    void writabilityIsReportedToListenersAndAsked() {
        List<Boolean> seen = new ArrayList<>();
        conn.addWritabilityListener(seen::add);
        transport.writable = false;
        assertFalse(conn.isWritable());
        conn.onWritabilityChanged(false);
        transport.writable = true;
        conn.onWritabilityChanged(true);
        assertEquals(List.of(false, true), seen);
        assertTrue(conn.isWritable());
    }

    @Test
    void upstreamRouteHintsAreImmutableValues() {
        UpstreamRoute r = UpstreamRoute.toCluster("a").withHashKey(42).withHost("10.0.0.1:80");
        assertEquals("a", r.cluster());
        assertEquals(42, r.hashKey().getAsLong());
        assertEquals("10.0.0.1:80", r.host().orElseThrow());
        assertEquals(r, UpstreamRoute.toCluster("a").withHashKey(42).withHost("10.0.0.1:80"));
        assertEquals("b", r.withCluster("b").cluster());
        assertEquals(42, r.withCluster("b").hashKey().getAsLong());
        assertNull(UpstreamRoute.configuredCluster().cluster());
        assertThrows(IllegalArgumentException.class, () -> UpstreamRoute.toCluster(""));
        assertThrows(IllegalArgumentException.class, () -> r.withHost(" "));
    }

    @Test
    void writeFromOffTheConnectionsThreadCopiesAndWritesThere() throws ExecutionException, InterruptedException {
        IoBuffer heap = IoBuffer.wrap("late".getBytes());
        CompletableFuture.runAsync(() -> conn.writeFrom(heap)).get();
        assertEquals(0, heap.length());
        assertTrue(transport.written.isEmpty());
        transport.runPending();
        assertEquals(List.of("late"), transport.written);
    }
}
