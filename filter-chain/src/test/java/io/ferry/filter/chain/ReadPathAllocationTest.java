package io.ferry.filter.chain;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * R4.7: the read path allocates nothing per read. Counts the bytes the test thread allocates (HotSpot's per-thread
 * counter) over many reads through a chain of an observer, a filter that stops every other read, and a draining
 * terminal; the incoming buffers are created beforehand, outside the measurement.
 */
@ExtendWith(NoNettyLeakReports.class)
class ReadPathAllocationTest {

    static final int READS = 20_000;

    static final class Observer implements ReadFilter {
        long seen;

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            seen += buffer.length();
            return FilterStatus.CONTINUE;
        }
    }

    static final class EveryOther implements ReadFilter {
        boolean hold;

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            hold = !hold;
            return hold ? FilterStatus.STOP : FilterStatus.CONTINUE;
        }
    }

    static final class Terminal implements ReadFilter {
        long drained;

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            drained += buffer.length();
            buffer.drain(buffer.length());
            return FilterStatus.STOP;
        }
    }

    @Test
    void r4_7_readPathAllocatesNothingPerRead() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        com.sun.management.ThreadMXBean hotspot = (com.sun.management.ThreadMXBean) mx;
        Assumptions.assumeTrue(hotspot.isThreadAllocatedMemorySupported() && hotspot.isThreadAllocatedMemoryEnabled());

        TestTransport transport = new TestTransport();
        ChainConnection conn = new ChainConnection(1, ChainConnectionTest.LISTENER, transport);
        transport.connection = conn;
        Observer observer = new Observer();
        Terminal terminal = new Terminal();
        conn.createFilterChain("t", (ctx, cb) -> {
            cb.addReadFilter(observer);
            cb.addReadFilter(new EveryOther());
            cb.addReadFilter(terminal);
        });
        conn.initializeReadFilters();

        // Capacity for two reads, so the read that follows a STOP is appended in place (the merge cumulator).
        ByteBuf[] warm = buffers(READS);
        ByteBuf[] measured = buffers(READS);
        for (ByteBuf b : warm) {
            conn.onRead(b);
        }
        long before = hotspot.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (ByteBuf b : measured) {
            conn.onRead(b);
        }
        long allocated = hotspot.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

        assertEquals(2L * READS * 64, terminal.drained, "every byte reached the terminal filter");
        assertTrue(allocated < READS, "R4.7: " + allocated + " bytes allocated over " + READS
                + " reads (expected: none per read)");
        conn.close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
        transport.runPending();
        for (ByteBuf b : measured) {
            assertEquals(0, b.refCnt(), "every read buffer was released");
        }
    }

    /** Plain heap buffers, not wrapped by the leak detector (whose records would allocate on every access). */
    static ByteBuf[] buffers(int n) {
        ByteBuf[] out = new ByteBuf[n];
        for (int i = 0; i < n; i++) {
            out[i] = new UnpooledHeapByteBuf(UnpooledByteBufAllocator.DEFAULT, 128, 128).writeBytes(new byte[64]);
        }
        return out;
    }
}
