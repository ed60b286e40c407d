package io.ferry.tcpcopy.dump;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ferry.tcpcopy.config.DumpConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DumpWriterTest {

    /** 2023-11-14 22:13:20 UTC. */
    static final long T = 1_700_000_000_000L;

    @TempDir
    Path dir;
    final List<DumpWriter> writers = new ArrayList<>();
    final CaptureStats stats = new CaptureStats();

    @AfterEach
    void close() {
        writers.forEach(DumpWriter::close);
    }

    private DumpWriter writer(Path d, int queue, boolean start) {
        return writer(d, queue, start, 0, System::nanoTime);
    }

    private DumpWriter writer(Path d, int queue, boolean start, long bytesPerSecond, LongSupplier clock) {
        DumpConfig c = new DumpConfig(d, 1 << 20, 3, 8 << 20, DumpConfig.Format.LAYOTTO, false, queue, bytesPerSecond);
        DumpWriter w = new DumpWriter(c, ZoneOffset.UTC, clock, start);
        writers.add(w);
        return w;
    }

    /** 1000 bytes whose first byte is {@code i}. */
    private static byte[] kb(int i) {
        byte[] p = new byte[1000];
        p[0] = (byte) i;
        return p;
    }

    @Test
    void withinTheBudgetNothingIsDroppedOrReordered() throws Exception {
        AtomicLong now = new AtomicLong(42);
        DumpWriter w = writer(dir, 1000, false, 1_000_000, now::get);   // 1 MB/s: a 100 000-byte bucket
        for (int i = 0; i < 100; i++) {
            assertTrue(w.submit(DumpRecord.payload(T, "w", "1", kb(i), stats)));
        }
        assertEquals(0, stats.dropped(DropReason.RATE_LIMIT));
        w.start();
        await(w);
        List<String> lines = Files.readAllLines(dir.resolve("dump_tcp_copy.log"));
        assertEquals(100, lines.size());
        for (int i = 0; i < 100; i++) {
            assertTrue(lines.get(i).contains("[w][1]" + String.format("%02x 00", i)), lines.get(i));
        }
        assertEquals(100_000L, stats.snapshot().get("written_bytes"));
    }

    @Test
    void beyondTheBudgetRecordsAreDroppedAsRateLimitUntilItRefills() throws Exception {
        AtomicLong now = new AtomicLong(-7_000_000_000L);
        DumpWriter w = writer(dir, 1000, false, 1_000_000, now::get);
        int seq = 0;
        for (int i = 0; i < 150; i++) {
            w.submit(DumpRecord.payload(T, "w", "1", kb(seq++), stats));
        }
        assertEquals(50, stats.dropped(DropReason.RATE_LIMIT), "a 100 000-byte bucket: 100 of 150 kept");
        assertEquals(100, w.queued());
        assertEquals(100_000L, stats.snapshot().get("captured_bytes"), "refused records are not counted as captured");
        assertEquals(50L, stats.snapshot().get("dropped_rate_limit"));

        now.addAndGet(20_000_000);                        // 20 ms: 20 000 bytes of budget...
        assertFalse(w.submit(DumpRecord.payload(T, "w", "1", kb(seq++), stats)),
                "...but only once the writer has published its clock");
        w.tick();
        for (int i = 0; i < 25; i++) {
            w.submit(DumpRecord.payload(T, "w", "1", kb(seq++), stats));
        }
        assertEquals(120, w.queued(), "20 ms refilled 20 records");
        assertEquals(51 + 5, stats.dropped(DropReason.RATE_LIMIT));

        assertTrue(w.submit(DumpRecord.portrait(T, "w", "1", "RPC", "{}", "{}", stats)), "portraits are not charged");
        assertEquals(0, stats.dropped(DropReason.QUEUE_FULL));
        w.start();
        await(w);
        List<String> lines = Files.readAllLines(dir.resolve("dump_tcp_copy.log"));
        assertEquals(120, lines.size());
        assertTrue(lines.get(99).contains("[w][1]63 00"), "the 100th record (0x63) is the last of the first burst");
        assertTrue(lines.get(100).contains("[w][1]97 00"), "then record 151 (0x97), admitted after the refill");
    }

    @Test
    void zeroIsUnlimited() throws Exception {
        DumpWriter w = writer(dir, 100_000, false, 0, () -> 0L);           // a clock that never moves
        for (int i = 0; i < 20_000; i++) {                                   // 20 MB in no time
            assertTrue(w.submit(DumpRecord.payload(T, "w", "1", kb(i), stats)));
        }
        assertEquals(0, stats.dropped(DropReason.RATE_LIMIT));
        assertEquals(20_000, w.queued());
    }

    private void await(DumpWriter w) throws InterruptedException {
        assertTrue(w.awaitIdle(30, TimeUnit.SECONDS));
    }

    @Test
    void layottoLineFormatsByteExact() throws Exception {
        DumpWriter w = writer(dir, 16, true);
        w.submit(DumpRecord.payload(T + 7, "win-1", "2045", new byte[] {0, 10, (byte) 0xff, 'A'}, stats));
        w.submit(DumpRecord.payload(T + 999, "win-1", "2045", new byte[] {1}, stats));
        w.submit(DumpRecord.portrait(T + 50, "win-1", "2045", "RPC", "{\"service\":\"echo\"}", "{\"a\":1}", stats));
        w.submit(DumpRecord.portrait(T + 60, "win-1", "2045", "STATE", "{}", "{\"a\":1}", stats));
        w.submit(DumpRecord.portrait(T + 70, "win-2", "2045", "RPC", "[]", "{\"a\":2}", stats));
        await(w);
        assertEquals("2023-11-14 22:13:20,7 [INFO] [win-1][2045]00 0a ff 41\n"
                        + "2023-11-14 22:13:20,999 [INFO] [win-1][2045]01\n",
                Files.readString(dir.resolve("dump_tcp_copy.log")));
        assertEquals("2023-11-14 22:13:20,50 [INFO] [win-1][RPC][2045]{\"service\":\"echo\"}\n"
                        + "2023-11-14 22:13:20,60 [INFO] [win-1][STATE][2045]{}\n"
                        + "2023-11-14 22:13:20,70 [INFO] [win-2][RPC][2045][]\n",
                Files.readString(dir.resolve("dump_portrait_data.log")));
        assertEquals("2023-11-14 22:13:20,50 [INFO] [win-1]{\"a\":1}\n"
                        + "2023-11-14 22:13:20,60 [INFO] [win-1]no_change\n"
                        + "2023-11-14 22:13:20,70 [INFO] [win-2]{\"a\":2}\n",
                Files.readString(dir.resolve("dump_mem_dump.log")));
        assertEquals(5, stats.writtenRecords());
    }

    @Test
    void memDumpIsWrittenInFullAgainWhenTheFileIsEmpty() throws Exception {
        DumpWriter w = writer(dir, 16, true);
        w.submit(DumpRecord.portrait(T, "w1", "1", "RPC", "1", "{\"c\":1}", stats));
        await(w);
        w.close();
        Files.writeString(dir.resolve("dump_mem_dump.log"), "");      // e.g. emptied by an operator
        DumpWriter w2 = writer(dir, 16, true);
        w2.submit(DumpRecord.portrait(T, "w2", "1", "RPC", "1", "{\"c\":1}", stats));
        await(w2);
        assertEquals("2023-11-14 22:13:20,0 [INFO] [w2]{\"c\":1}\n", Files.readString(dir.resolve("dump_mem_dump.log")));
    }

    @Test
    void fullQueueDropsAndCountsButLosesNothingElse() throws Exception {
        DumpWriter w = writer(dir, 10, false);
        for (int i = 0; i < 15; i++) {
            w.submit(DumpRecord.payload(T, "w", "1", new byte[] {(byte) i}, stats));
        }
        assertEquals(5, stats.dropped(DropReason.QUEUE_FULL));
        w.start();
        await(w);
        List<String> lines = Files.readAllLines(dir.resolve("dump_tcp_copy.log"));
        assertEquals(10, lines.size());
        for (int i = 0; i < 10; i++) {
            assertTrue(lines.get(i).endsWith("[w][1]" + String.format("%02x", i)), lines.get(i));
        }
        assertEquals(10, stats.writtenRecords());
        assertEquals(0, stats.dropped(DropReason.SIZE_CAP) + stats.dropped(DropReason.IO_ERROR));
    }

    @Test
    void filesAndDirAreOwnerOnly() throws Exception {
        Path d = dir.resolve("a/dump");
        DumpWriter w = writer(d, 16, true);
        w.submit(DumpRecord.payload(T, "w", "1", new byte[] {1}, stats));
        await(w);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.resolve("dump_tcp_copy.log"))));
    }

    @Test
    void aDumpDirThatCannotBeCreatedGivesOneErrorAndCountedDrops() throws Exception {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "not a directory");
        Logger logger = (Logger) LoggerFactory.getLogger(DumpWriter.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            DumpWriter w = writer(blocker.resolve("dump"), 1000, true);
            for (int i = 0; i < 200; i++) {
                w.submit(DumpRecord.payload(T, "w", "1", new byte[] {1}, stats));
            }
            await(w);
            assertEquals(200, stats.dropped(DropReason.DUMP_DIR_UNAVAILABLE));
            List<ILoggingEvent> errors = appender.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
            assertEquals(1, errors.size(), "one error, not one per record");
            String msg = errors.get(0).getFormattedMessage();
            assertTrue(msg.startsWith("tcpcopy: cannot use dump directory " + blocker.resolve("dump")), msg);
            assertTrue(msg.contains("dropped_dump_dir_unavailable"), msg);
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void writerKeepsGoingAfterAFailedRecord() throws Exception {
        DumpWriter w = writer(dir, 16, true);
        w.submit(DumpRecord.portrait(T, "w", "1", "RPC", "{}", null, stats));   // MD5 of null config fails
        w.submit(DumpRecord.payload(T, "w", "1", new byte[] {2}, stats));
        await(w);
        assertEquals(1, stats.dropped(DropReason.IO_ERROR));
        assertTrue(Files.readString(dir.resolve("dump_tcp_copy.log")).endsWith("[w][1]02\n"));
    }

    @Test
    void filesRotateBySize() throws Exception {
        try (DumpFiles f = new DumpFiles(dir, 100, 2, 10_000)) {
            byte[] line = "0123456789012345678901234567890123456789\n".getBytes(StandardCharsets.US_ASCII); // 41 bytes
            for (int i = 0; i < 7; i++) {
                assertTrue(f.append("dump_tcp_copy.log", line));
            }
            f.flush();
        }
        assertEquals(41, Files.size(dir.resolve("dump_tcp_copy.log")));
        assertEquals(82, Files.size(dir.resolve("dump_tcp_copy.log.1")));
        assertEquals(82, Files.size(dir.resolve("dump_tcp_copy.log.2")));
        assertFalse(Files.exists(dir.resolve("dump_tcp_copy.log.3")), "max_files rotated files are kept");
    }

    @Test
    void totalSizeIsCappedByDeletingOldestRotatedFilesThenByRefusing() throws Exception {
        byte[] line = new byte[50];
        line[49] = '\n';
        try (DumpFiles f = new DumpFiles(dir, 100, 10, 250)) {
            for (int i = 0; i < 20; i++) {
                assertTrue(f.append("dump_tcp_copy.log", line), "old rotated files make room, line " + i);
                assertTrue(f.totalSize() <= 250);
            }
            f.flush();
            assertTrue(sizeOfDir() <= 250, "the directory never exceeds max_total_size");
        }
        try (DumpFiles f = new DumpFiles(dir.resolve("fresh"), 100, 10, 250)) {
            // current files only, nothing rotated to delete: 100 + 100 + 50 bytes
            assertTrue(f.append("dump_tcp_copy.log", line) && f.append("dump_tcp_copy.log", line));
            assertTrue(f.append("dump_portrait_data.log", line) && f.append("dump_portrait_data.log", line));
            assertTrue(f.append("dump_mem_dump.log", line));
            assertFalse(f.append("dump_mem_dump.log", line), "refused when even deleting cannot help");
            assertEquals(250, f.totalSize());
            assertFalse(f.append("dump_tcp_copy.log", new byte[101]), "a line larger than a file is refused");
        }
    }

    private long sizeOfDir() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /**
     * A payload copied into the queue: the writer writes exactly those bytes even though the caller reuses its
     * buffer right after, with small and large reads interleaved, and a read that fails to copy neither wedges the
     * queue nor loses the records after it.
     */
    @Test
    void payloadsAreCopiedIntoTheQueueAndAFailedCopyDoesNotStopTheWriter() throws Exception {
        DumpWriter w = writer(dir, 8, false);
        io.ferry.filter.api.IoBuffer buf = io.ferry.filter.api.IoBuffer.allocate(4096);
        for (int i = 0; i < 6; i++) {
            int n = i % 2 == 0 ? 3 : Slot.RETAINED + 5;
            byte[] b = new byte[n];
            b[0] = (byte) i;
            b[n - 1] = (byte) (0x10 + i);
            buf.append(b, 0, n);
            assertTrue(w.submitPayload(T, "w", "1", stats, buf, 0, n));
            buf.drain(n);                      // the caller's buffer moves on; the queue holds its own copy
        }
        buf.append(new byte[4], 0, 4);
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> w.submitPayload(T, "w", "1", stats, buf, 0, 100));
        assertTrue(w.submitPayload(T, "w", "1", stats, buf, 0, 4));
        assertFalse(w.submitPayload(T, "w", "1", stats, buf, 0, 4), "8 slots: 6 records, the failed one, 1 more");
        assertEquals(1, stats.dropped(DropReason.QUEUE_FULL));
        w.start();
        assertTrue(w.awaitIdle(10, TimeUnit.SECONDS));
        List<String> lines = Files.readAllLines(dir.resolve(LayottoFormat.TCP_COPY_FILE));
        assertEquals(7, lines.size(), "6 records, then the one queued after the failed copy");
        for (int i = 0; i < 6; i++) {
            byte[] b = new byte[i % 2 == 0 ? 3 : Slot.RETAINED + 5];
            b[0] = (byte) i;
            b[b.length - 1] = (byte) (0x10 + i);
            byte[] hex = new byte[3 * b.length];
            String h = new String(hex, 0, LayottoFormat.hex(b, hex, 0), StandardCharsets.US_ASCII);
            assertTrue(lines.get(i).endsWith("[w][1]" + h), "line " + i);
        }
        assertTrue(lines.get(6).endsWith("[w][1]00 00 00 00"));
        assertEquals(7, stats.writtenRecords.sum());
    }

    /**
     * The data path's promise for the Layotto format: queuing a small captured read allocates nothing (the bytes go
     * into a slot's retained buffer). Measured with the JVM's per-thread allocation counter, not with time.
     */
    @Test
    void queuingASmallPayloadAllocatesNothing() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported());
        DumpWriter w = writer(dir, 64, true);
        io.ferry.filter.api.IoBuffer buf = io.ferry.filter.api.IoBuffer.allocate(256);
        buf.append(new byte[128], 0, 128);
        long self = Thread.currentThread().getId();
        for (int round = 0; round < 20; round++) {   // warm up, and let every slot get its buffer
            for (int i = 0; i < 64; i++) {
                w.submitPayload(T, "w", "1", stats, buf, 0, 128);
            }
            assertTrue(w.awaitIdle(10, TimeUnit.SECONDS));
        }
        long before = mx.getThreadAllocatedBytes(self);
        for (int i = 0; i < 64; i++) {
            w.submitPayload(T, "w", "1", stats, buf, 0, 128);
        }
        long allocated = mx.getThreadAllocatedBytes(self) - before;
        assertTrue(allocated < 64 * 16, "64 queued reads of 128 B allocated " + allocated + " bytes");
    }
}
