package io.ferry.tcpcopy;

import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.WriteFilter;
import io.ferry.testkit.embedded.EmbeddedListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection thread's side of a capture, through the filters as the chain calls them: once a connection is
 * admitted, each captured read and write of up to 2 KiB is decided, reserved, copied into the writer's queue and
 * counted without allocating. Measured with the JVM's per-thread allocation counter, not with time.
 */
class CapturePathAllocationTest {

    @TempDir
    Path dir;
    final Harness h = new Harness();

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void aCapturedReadOrWriteOfUpTo2KiBAllocatesNothingOnTheConnectionsThread() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported());
        for (String format : List.of("layotto", "ferry")) {
            TcpCopyFactory f = h.create(Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir.resolve(format),
                    "format", format, "directions", "both", "max_bytes_per_second", 0.0, "queue_capacity", 256.0),
                    EmbeddedListener.tcp("l-" + format, 2045));
            assertEquals(200, f.open(5, true).status());
            Harness.Chain chain = Harness.chain(f, EmbeddedListener.tcp("l-" + format, 2045));
            ReadFilter read = chain.read.get(0);
            WriteFilter write = chain.write.get(0);
            IoBuffer in = IoBuffer.allocate(4096);
            IoBuffer out = IoBuffer.allocate(4096);
            out.append(new byte[2048], 0, 2048);
            List<IoBuffer> writes = List.of(out);
            byte[] payload = new byte[2048];
            long self = Thread.currentThread().getId();
            // warm up: the admission, the JIT, and every slot of the ring created with its buffer (a slot is
            // created the first time its position is claimed: 20 rounds of 64 records go round the 256 slots)
            for (int round = 0; round < 20; round++) {
                exchange(read, write, in, writes, payload, 32);
                h.awaitWriters();
            }
            long before = mx.getThreadAllocatedBytes(self);
            exchange(read, write, in, writes, payload, 32);
            long allocated = mx.getThreadAllocatedBytes(self) - before;
            h.awaitWriters();
            assertEquals(1L, f.stats().connectionsAdmitted.sum(), format + ": the capture went on throughout");
            assertEquals(21L * 64 + 1, f.stats().capturedRecords(), format + ": every read and write was captured");
            assertTrue(allocated < 64 * 16, format + ": 32 reads and 32 writes of 2 KiB captured, " + allocated
                    + " bytes allocated");
        }
    }

    /** {@code n} reads of 2 KiB, each drained as tcp_proxy does, and {@code n} writes of 2 KiB. */
    private static void exchange(ReadFilter read, WriteFilter write, IoBuffer in, List<IoBuffer> writes,
                                 byte[] payload, int n) {
        for (int i = 0; i < n; i++) {
            in.append(payload, 0, payload.length);
            read.onData(in);
            in.drain(in.length());
            write.onWrite(writes);
        }
    }
}
