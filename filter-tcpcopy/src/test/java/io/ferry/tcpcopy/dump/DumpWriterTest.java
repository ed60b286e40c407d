package io.ferry.tcpcopy.dump;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryReader;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.tools.Capture;
import io.ferry.dump.tools.Inspect;
import io.ferry.dump.tools.PcapConverter;
import io.ferry.dump.tools.Replay;
import io.ferry.filter.api.IoBuffer;
import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.config.Sampling;
import io.ferry.tcpcopy.dump.sink.SinkSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dump writer on its own: formats, budgets, files that cannot be hijacked, and faults that leave no torn record. */
class DumpWriterTest {

    /** 2023-11-14 22:13:20 UTC, in microseconds. */
    static final long T = 1_700_000_000_000_000L;

    @TempDir
    Path dir;
    final List<DumpWriter> writers = new ArrayList<>();
    final CaptureStats stats = new CaptureStats();

    @AfterEach
    void close() {
        writers.forEach(DumpWriter::close);
    }

    private DumpConfig config(Path d, DumpConfig.Format format, int queue) {
        return new DumpConfig(d, 1 << 20, 3, 8 << 20, format, true, queue, 0);
    }

    private DumpWriter writer(DumpConfig c, boolean start) {
        DumpWriter w = new DumpWriter(c, ZoneOffset.UTC, System::nanoTime, start);
        writers.add(w);
        return w;
    }

    private DumpWriter writer(Path d, DumpConfig.Format format) {
        return writer(config(d, format, 64), true);
    }

    /** A captured connection as the writer sees it: its owner object, its id and its offsets. */
    final class Conn implements CapturedConnection {
        final long id;
        final String window;
        long in;
        long out;
        volatile ShedReason byWriter;

        Conn(long id, String window) {
            this.id = id;
            this.window = window;
        }

        boolean open(DumpWriter w) {
            return w.submitControl(FerryRecord.open(T, id, window, "l", Endpoint.UNKNOWN_ENDPOINT,
                    Endpoint.UNKNOWN_ENDPOINT, false, 0, 0), "2045", this, stats);
        }

        boolean data(DumpWriter w, int direction, byte[] bytes) {
            long offset = direction == FerryRecord.INBOUND ? in : out;
            if (w.gate().reserve(bytes.length) != null || !w.submitData(this, stats, T, window, "2045", "l", id,
                    direction, offset, IoBuffer.wrap(bytes), 0, bytes.length)) {
                return false;
            }
            if (direction == FerryRecord.INBOUND) {
                in += bytes.length;
            } else {
                out += bytes.length;
            }
            return true;
        }

        boolean close(DumpWriter w) {
            return w.submitControl(FerryRecord.close(T, id, window, "l", in, out), "2045", this, stats);
        }

        @Override
        public void requestAbandon(ShedReason reason) {
        }

        @Override
        public void abandonedByWriter(ShedReason reason) {
            byWriter = reason;
        }
    }

    private static void await(DumpWriter w) throws InterruptedException {
        assertTrue(w.awaitIdle(30, TimeUnit.SECONDS), "the writer did not become idle");
    }

    private static List<FerryRecord> read(Path file, List<String> problems) throws IOException {
        List<FerryRecord> out = new ArrayList<>();
        try (FerryReader r = FerryReader.open(file)) {
            for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                out.add(rec);
            }
            problems.addAll(r.problems());
        }
        return out;
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    @Test
    void layottoLineFormatsByteExact() throws Exception {
        DumpWriter w = writer(dir, DumpConfig.Format.LAYOTTO);
        Conn c = new Conn(1, "win-1");
        assertTrue(c.open(w));
        assertTrue(w.gate().reserve(4) == null && w.submitData(c, stats, T + 7_000, "win-1", "2045", "l", 1,
                FerryRecord.INBOUND, 0, IoBuffer.wrap(new byte[] {0, 10, (byte) 0xff, 'A'}), 0, 4));
        assertTrue(w.gate().reserve(1) == null && w.submitData(c, stats, T + 999_000, "win-1", "2045", "l", 1,
                FerryRecord.INBOUND, 4, IoBuffer.wrap(new byte[] {1}), 0, 1));
        w.submitPortrait(T / 1000 + 50, "win-1", "2045", "RPC", "{\"service\":\"echo\"}", "{\"a\":1}", stats);
        w.submitPortrait(T / 1000 + 60, "win-1", "2045", "STATE", "{}", "{\"a\":1}", stats);
        w.submitPortrait(T / 1000 + 70, "win-2", "2045", "RPC", "[]", "{\"a\":2}", stats);
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
        assertFalse(Files.exists(dir.resolve(FerryFormat.FILE)), "the Layotto format writes no Ferry file");
    }

    @Test
    void closingAWriterWhoseThreadHasEndedClosesNothingTwice() throws Exception {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(WriterLoop.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            DumpWriter w = writer(dir, DumpConfig.Format.LAYOTTO);
            w.submitPortrait(T / 1000, "w1", "1", "RPC", "1", "{\"c\":1}", stats);
            await(w);
            w.close();                       // the writer thread closes its files and ends
            w.close();                       // its thread is no longer alive: the caller's thread finds them closed
            assertEquals(List.of(), logged.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList());
            assertEquals("2023-11-14 22:13:20,0 [INFO] [w1][RPC][1]1\n",
                    Files.readString(dir.resolve("dump_portrait_data.log")));
        } finally {
            logger.detachAppender(logged);
        }
    }

    @Test
    void memDumpIsWrittenInFullAgainWhenTheFileIsEmpty() throws Exception {
        DumpWriter w = writer(dir, DumpConfig.Format.LAYOTTO);
        w.submitPortrait(T / 1000, "w1", "1", "RPC", "1", "{\"c\":1}", stats);
        await(w);
        w.close();
        Files.writeString(dir.resolve("dump_mem_dump.log"), "");      // e.g. emptied by an operator
        DumpWriter w2 = writer(dir, DumpConfig.Format.LAYOTTO);
        w2.submitPortrait(T / 1000, "w2", "1", "RPC", "1", "{\"c\":1}", stats);
        await(w2);
        assertEquals("2023-11-14 22:13:20,0 [INFO] [w2]{\"c\":1}\n", Files.readString(dir.resolve("dump_mem_dump.log")));
    }

    @Test
    void aCompleteCaptureIsCountedOnceItsCloseIsOnDisk() throws Exception {
        DumpWriter w = writer(dir, DumpConfig.Format.FERRY);
        Conn c = new Conn(7, "w");
        assertTrue(c.open(w));
        assertTrue(c.data(w, FerryRecord.INBOUND, "ping".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(c.data(w, FerryRecord.OUTBOUND, "pong!".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(c.close(w));
        await(w);
        List<String> problems = new ArrayList<>();
        List<FerryRecord> rs = read(dir.resolve(FerryFormat.FILE), problems);
        assertEquals(List.of(), problems);
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.DATA, FerryRecord.CLOSE),
                rs.stream().map(FerryRecord::type).toList());
        assertEquals(4, rs.get(3).inbound());
        assertEquals(5, rs.get(3).outbound());
        assertEquals(1, stats.completeCount());
        assertEquals(0, w.gate().buffered(), "every reserved byte given back");
    }

    @Test
    void theDataShareOfAFullQueueRefusesDataButTheRecordsThatEndCapturesStillFit() throws Exception {
        DumpWriter w = writer(config(dir, DumpConfig.Format.FERRY, 8), false);   // data share: 6 of 8
        Conn c = new Conn(1, "w");
        assertTrue(c.open(w));
        int accepted = 0;
        while (c.data(w, FerryRecord.INBOUND, new byte[] {(byte) accepted})) {
            accepted++;
        }
        assertEquals(5, accepted, "the OPEN took one of the six data slots' worth of the ring");
        assertEquals(0, w.gate().buffered() - 5L * CaptureGate.cost(1), "a refused record gives its bytes back");
        assertTrue(w.submitControl(FerryRecord.abandoned(T, 1, "w", "l", c.in, c.out, "queue_full"), "2045", c, stats),
                "the end record still fits");
        w.start();
        await(w);
        List<String> problems = new ArrayList<>();
        List<FerryRecord> rs = read(dir.resolve(FerryFormat.FILE), problems);
        assertEquals(FerryRecord.ABANDONED, rs.get(rs.size() - 1).type());
        assertEquals(5, rs.get(rs.size() - 1).inbound());
        assertEquals(1, stats.abandonedCount(ShedReason.QUEUE_FULL));
    }

    @Test
    void filesAndDirAreOwnerOnly() throws Exception {
        Path d = dir.resolve("a/dump");
        DumpWriter w = writer(d, DumpConfig.Format.FERRY);
        Conn c = new Conn(1, "w");
        c.open(w);
        c.data(w, FerryRecord.INBOUND, new byte[] {1});
        await(w);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(d.resolve("dump_tcp_copy.log"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.resolve(FerryFormat.FILE))));
    }

    @Test
    void aDirectoryThatCannotBeUsedIsRefusedAtOnceWithTheReason() throws Exception {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "not a directory");
        assertRefused(blocker, "not a directory");
        assertRefused(Path.of("/etc"), "/etc is a system directory");
        assertRefused(Path.of("/"), "/ is a system directory");
        assertRefused(Path.of("/proc/self"), "is a system directory");
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertRefused(open, "writable by every user");
    }

    private void assertRefused(Path d, String why) {
        DumpWriter.DumpDirectoryException e = assertThrows(DumpWriter.DumpDirectoryException.class,
                () -> writer(config(d, DumpConfig.Format.FERRY, 16), true));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void aPlantedSymlinkOrAFileOpenToOthersIsRefusedAndNothingIsWrittenThroughIt() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "keep me");
        Path d1 = Files.createDirectory(dir.resolve("d1"));
        Files.createSymbolicLink(d1.resolve("dump_tcp_copy.log"), victim);
        DumpWriter.DumpDirectoryException e = assertThrows(DumpWriter.DumpDirectoryException.class,
                () -> writer(config(d1, DumpConfig.Format.LAYOTTO, 16), true));
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
        assertEquals("keep me", Files.readString(victim));
        Path d2 = Files.createDirectory(dir.resolve("d2"));
        Path planted = Files.writeString(d2.resolve(FerryFormat.FILE), "");
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-rw-rw-"));
        e = assertThrows(DumpWriter.DumpDirectoryException.class,
                () -> writer(config(d2, DumpConfig.Format.FERRY, 16), true));
        assertTrue(e.getMessage().contains("has mode rw-rw-rw-"), e.getMessage());
        assertEquals(0, Files.size(planted));
    }

    @Test
    void anOwnFileOnlyReadableByOthersIsAppendedToAfterItsModeIsTightened() throws Exception {
        // Layotto (and a umask of 022) leave rw-r--r-- files: ours, nobody else can write them; the log is kept
        Path log = Files.writeString(dir.resolve("dump_tcp_copy.log"), "2020-01-01 00:00:00,1 [INFO] [w][1]61\n");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r--r--"));
        DumpWriter w = writer(config(dir, DumpConfig.Format.LAYOTTO, 16), true);
        Conn c = new Conn(1, "w");
        c.open(w);
        c.data(w, FerryRecord.INBOUND, new byte[] {0x62});
        await(w);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
        List<String> lines = Files.readAllLines(log);
        assertEquals("2020-01-01 00:00:00,1 [INFO] [w][1]61", lines.get(0), "what was there is kept");
        assertTrue(lines.get(lines.size() - 1).endsWith("62"), lines.toString());
    }

    @Test
    void aSecondWriterOnTheSameDirectoryIsRefused() throws Exception {
        writer(dir, DumpConfig.Format.FERRY);
        DumpWriter.DumpDirectoryException e = assertThrows(DumpWriter.DumpDirectoryException.class,
                () -> writer(dir, DumpConfig.Format.FERRY));
        assertTrue(e.getMessage().contains("another Ferry process dumps into it"), e.getMessage());
    }

    @Test
    void aWriterWhoseSinkCannotBeCreatedFailsToStartAndLeavesTheDirectoryFree() throws Exception {
        List<SinkSpec> sinks = SinkSpec.parseAll(List.of(Map.of("type", "test", "id", "writer-first"),
                Map.of("type", "test", "id", "writer-second", "fail_create", true)), "dump.sinks");
        DumpConfig c = new DumpConfig(dir, 1 << 20, 3, 8 << 20, DumpConfig.Format.FERRY, true, 64, Sampling.ALL, 0,
                sinks);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> writer(c, true));
        assertEquals("test sink writer-second cannot be created", e.getMessage());
        DumpWriter next = writer(config(dir, DumpConfig.Format.FERRY, 64), true);   // the directory's lock was released
        Conn conn = new Conn(1, "w");
        assertTrue(conn.open(next));
        await(next);
        assertTrue(Files.size(dir.resolve(FerryFormat.FILE)) > 0);
    }

    @Test
    void eachRunStartsItsOwnFerryFileNamingItsInstance() throws Exception {
        for (String run : List.of("run-a", "run-b")) {
            DumpWriter w = new DumpWriter(config(dir, DumpConfig.Format.FERRY, 64), ZoneOffset.UTC, System::nanoTime,
                    true, run);
            Conn c = new Conn(1, run);                       // both runs number their connections from 1
            c.open(w);
            c.data(w, FerryRecord.INBOUND, run.getBytes(StandardCharsets.US_ASCII));
            c.close(w);
            await(w);
            w.close();
        }
        try (FerryReader a = FerryReader.open(dir.resolve(FerryFormat.FILE + ".1"));
             FerryReader b = FerryReader.open(dir.resolve(FerryFormat.FILE))) {
            assertEquals("run-a", a.instance());
            assertEquals("run-b", b.instance());
            assertEquals("run-a", a.next().window());
            assertEquals("run-b", b.next().window());
        }
    }

    @Test
    void rotatedFerryFilesEachStartWithTheHeaderAndReadCleanly() throws Exception {
        DumpConfig c = new DumpConfig(dir, 4096, 5, 1 << 20, DumpConfig.Format.FERRY, true, 1024, 0);
        DumpWriter w = writer(c, true);
        Conn conn = new Conn(1, "w");
        conn.open(w);
        for (int i = 0; i < 60; i++) {
            byte[] p = new byte[100];
            Arrays.fill(p, (byte) i);
            assertTrue(conn.data(w, FerryRecord.INBOUND, p));
        }
        conn.close(w);
        await(w);
        List<FerryRecord> all = new ArrayList<>();
        int files = 0;
        for (int i = 5; i >= 0; i--) {
            Path p = dir.resolve(FerryFormat.FILE + (i == 0 ? "" : "." + i));
            if (Files.exists(p)) {
                files++;
                assertTrue(Files.size(p) <= 4096);
                List<String> problems = new ArrayList<>();
                all.addAll(read(p, problems));
                assertEquals(List.of(), problems);
            }
        }
        assertTrue(files >= 2, "rotated into " + files + " files");
        List<FerryRecord> data = all.stream().filter(r -> r.type() == FerryRecord.DATA).toList();
        for (int i = 0; i < data.size(); i++) {
            assertEquals(data.get(0).value() + 100L * i, data.get(i).value(), "consecutive offsets");
        }
    }

    @Test
    void whenTheTotalSizeCapIsReachedCapturesAreGivenUpNotCutSilently() throws Exception {
        DumpConfig c = new DumpConfig(dir, 8192, 1, 8192, DumpConfig.Format.FERRY, true, 1024, 0);
        DumpWriter w = writer(c, true);
        Conn conn = new Conn(1, "w");
        conn.open(w);
        for (int i = 0; i < 200 && conn.byWriter == null; i++) {
            conn.data(w, FerryRecord.INBOUND, new byte[200]);
            await(w);
        }
        assertEquals(ShedReason.SIZE_CAP, conn.byWriter, "the writer gave the capture up");
        conn.data(w, FerryRecord.INBOUND, new byte[200]);           // dropped: the capture is over
        await(w);
        assertTrue(stats.dropped(DropReason.SIZE_CAP) >= 1);
        assertEquals(ShedReason.SIZE_CAP, w.gate().admit(), "no new connection is admitted while the cap is hit");
    }

    @Test
    void closingGivesUpTheCapturesStillOpen() throws Exception {
        DumpWriter w = writer(dir, DumpConfig.Format.FERRY);
        Conn open = new Conn(1, "w");
        open.open(w);
        open.data(w, FerryRecord.INBOUND, new byte[] {1, 2, 3});
        Conn done = new Conn(2, "w");
        done.open(w);
        done.close(w);
        await(w);
        w.close();
        List<String> problems = new ArrayList<>();
        List<FerryRecord> rs = read(dir.resolve(FerryFormat.FILE), problems);
        FerryRecord last = rs.get(rs.size() - 1);
        assertEquals(FerryRecord.ABANDONED, last.type());
        assertEquals(1, last.connectionId());
        assertEquals("shutdown", last.reason());
        assertEquals(3, last.inbound());
        assertEquals(ShedReason.SHUTDOWN, open.byWriter);
        assertEquals(1, stats.abandonedCount(ShedReason.SHUTDOWN));
        assertEquals(1, stats.completeCount());
    }

    /**
     * A full disk, then space again: the file is cut back to its last whole record, the captures whose records were
     * lost end with {@code ABANDONED io_error} at the offsets on disk, and everything written after the fault reads
     * back. Needs root to mount a 512 KiB tmpfs.
     */
    @Test
    void aFullDiskLeavesNoTornRecordAndTheLostCapturesSaySo() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("small"));
        Assumptions.assumeTrue(TmpFs.mount(mount, 512 * 1024), "mounting a tmpfs needs root (skipped: "
                + TmpFs.why() + ")");
        try {
            Path d = mount.resolve("dump");
            DumpWriter w = writer(new DumpConfig(d, 1 << 20, 3, 64 << 20, DumpConfig.Format.FERRY, true, 256, 0), true);
            Path filler = mount.resolve("filler");
            Files.write(filler, new byte[300 * 1024]);
            List<Conn> before = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                Conn c = new Conn(i, "w");
                c.open(w);
                before.add(c);
            }
            for (int round = 0; round < 400 && before.stream().anyMatch(c -> c.byWriter == null); round++) {
                for (Conn c : before) {
                    if (c.byWriter == null) {
                        c.data(w, FerryRecord.INBOUND, bytes(700, round));
                    }
                }
                await(w);
            }
            assertTrue(before.stream().allMatch(c -> c.byWriter == ShedReason.IO_ERROR), "every capture lost a record");
            Files.delete(filler);                                      // space again
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (w.gate().admit() != null && System.nanoTime() < deadline) {
                await(w);                                              // the owed ABANDONED records get written
                Thread.sleep(20);
            }
            assertEquals(null, w.gate().admit(), "a write succeeded: connections are admitted again");
            Conn after = new Conn(9, "w");
            after.open(w);
            after.data(w, FerryRecord.INBOUND, "after".getBytes(StandardCharsets.US_ASCII));
            after.close(w);
            await(w);
            List<String> problems = new ArrayList<>();
            List<FerryRecord> rs = read(d.resolve(FerryFormat.FILE), problems);
            assertEquals(List.of(), problems, "no torn record anywhere");
            for (Conn c : before) {
                List<FerryRecord> mine = rs.stream().filter(r -> r.connectionId() == c.id).toList();
                FerryRecord end = mine.get(mine.size() - 1);
                assertEquals(FerryRecord.ABANDONED, end.type(), "connection " + c.id);
                assertEquals("io_error", end.reason());
                long reached = mine.stream().filter(r -> r.type() == FerryRecord.DATA).mapToLong(FerryRecord::end)
                        .max().orElse(0);
                assertEquals(reached, end.inbound(), "the ABANDONED offsets are where its records on disk stop");
            }
            assertTrue(rs.stream().anyMatch(r -> r.connectionId() == 9 && r.type() == FerryRecord.CLOSE),
                    "records after the fault are there");
            assertEquals(3, stats.abandonedCount(ShedReason.IO_ERROR));

            // the tools read every whole record before and after the fault, and give each capture its true status
            Capture capture = Capture.read(d);
            assertEquals(List.of(), capture.problems());
            for (Conn c : before) {
                assertTrue(capture.connections().get(c.id).status().text().matches("abandoned at \\d+ B: io_error"),
                        "connection " + c.id + ": " + capture.connections().get(c.id).status().text());
            }
            assertEquals("complete", capture.connections().get(9L).status().text());
            ByteArrayOutputStream inspected = new ByteArrayOutputStream();
            Inspect.print(capture, new PrintStream(inspected, true, StandardCharsets.UTF_8));
            assertTrue(inspected.toString(StandardCharsets.UTF_8).contains("connections_abandoned_io_error=3"),
                    inspected.toString(StandardCharsets.UTF_8));
            assertTrue(PcapConverter.convert(capture, mount.resolve("after-fault.pcapng")) > 0);
            try (ServerSocket sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                Thread t = new Thread(() -> {               // reads each connection to its end, answers nothing
                    while (!sink.isClosed()) {
                        try (Socket s = sink.accept()) {
                            s.getInputStream().readAllBytes();
                        } catch (IOException closed) {
                            return;
                        }
                    }
                });
                t.setDaemon(true);
                t.start();
                InetSocketAddress target = (InetSocketAddress) sink.getLocalSocketAddress();
                List<Replay.Result> results = Replay.run(capture, new Replay.Options(target, 0, Set.of(), 5_000,
                        5_000));
                assertEquals(Replay.UNVERIFIED, Replay.report(results, target, new PrintStream(
                        OutputStream.nullOutputStream())), results.toString());
                assertEquals(Replay.Status.MATCHED, results.stream().filter(r -> r.connection() == 9).findFirst()
                        .orElseThrow().status(), results.toString());
            }
        } finally {
            writers.forEach(DumpWriter::close);
            writers.clear();
            TmpFs.unmount(mount);
        }
    }

    /**
     * A producer that passed the writer's closing check just as the writer stopped must not strand its record: every
     * record counted as captured is written or counted as dropped. A stress run over many closes (the race is a window
     * of a few instructions); the seed of the pauses is printed.
     */
    @Test
    void aRecordQueuedWhileTheWriterStopsIsWrittenOrCountedNeverStranded() throws Exception {
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        for (int round = 0; round < 100; round++) {
            CaptureStats st = new CaptureStats();
            DumpWriter w = new DumpWriter(config(dir.resolve("r" + round), DumpConfig.Format.LAYOTTO, 64),
                    ZoneOffset.UTC, System::nanoTime, true);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                long id = p + 1;
                Thread t = new Thread(() -> {
                    Conn c = new Conn(id, "w");
                    if (!w.submitControl(FerryRecord.open(T, id, "w", "l", Endpoint.UNKNOWN_ENDPOINT,
                            Endpoint.UNKNOWN_ENDPOINT, false, 0, 0), "2045", c, st)) {
                        return;
                    }
                    byte[] b = {1, 2, 3};
                    long offset = 0;
                    while (!stop.get()) {
                        if (w.gate().reserve(3) == null && w.submitData(c, st, T, "w", "2045", "l", id,
                                FerryRecord.INBOUND, offset, IoBuffer.wrap(b), 0, 3)) {
                            offset += 3;
                        }
                    }
                });
                t.start();
                producers.add(t);
            }
            Thread.sleep(random.nextInt(5));
            w.close();
            stop.set(true);
            for (Thread t : producers) {
                t.join(10_000);
            }
            long dropped = 0;                             // drops of queued records (not of refused submits)
            for (DropReason r : List.of(DropReason.ABANDONED, DropReason.DUMP_DIR_UNAVAILABLE, DropReason.SIZE_CAP,
                    DropReason.IO_ERROR)) {
                dropped += st.dropped(r);
            }
            assertEquals(st.capturedRecords(), st.writtenRecords() + dropped, "round " + round + " (seed " + seed
                    + "): captured " + st.capturedRecords() + ", written " + st.writtenRecords() + ", dropped "
                    + dropped);
            assertEquals(0, w.gate().buffered(), "round " + round + ": every reserved byte given back");
        }
    }

    /**
     * The race above, replayed in the order that stranded a record: a producer passes the closing check, then the
     * writer is closed and its thread ends, then the producer claims a slot. The claim must fail (the ring is closed),
     * the reservation must be given back, and nothing may be counted as captured that is neither written nor dropped.
     */
    @Test
    void aProducerThatClaimsAfterTheWriterStoppedIsRefusedAndStrandsNothing() throws Exception {
        CountDownLatch atCheck = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        Thread[] producer = new Thread[1];
        Interleaving hooks = new Interleaving() {
            @Override
            void passedClosingCheck() {
                if (Thread.currentThread() == producer[0]) {
                    atCheck.countDown();
                    awaitLatch(proceed);
                }
            }
        };
        DumpWriter w = new DumpWriter(config(dir, DumpConfig.Format.FERRY, 64), ZoneOffset.UTC, System::nanoTime, true,
                hooks);
        writers.add(w);
        Conn c = new Conn(1, "w");
        assertTrue(c.open(w));
        AtomicBoolean queued = new AtomicBoolean(true);
        producer[0] = new Thread(() -> queued.set(c.data(w, FerryRecord.INBOUND, new byte[] {1, 2, 3})));
        producer[0].start();
        assertTrue(atCheck.await(10, TimeUnit.SECONDS), "the producer reached the point after its closing check");
        w.close();                                            // the writer drains, closes its ring and ends
        proceed.countDown();
        producer[0].join(10_000);
        assertFalse(queued.get(), "a claim after the writer stopped is refused");
        assertEquals(stats.capturedRecords(), stats.writtenRecords() + queuedDrops(stats), "captured "
                + stats.capturedRecords() + ", written " + stats.writtenRecords());
        assertEquals(0, w.gate().buffered(), "the refused record gave its bytes back");
        List<String> problems = new ArrayList<>();
        List<FerryRecord> rs = read(dir.resolve(FerryFormat.FILE), problems);
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.ABANDONED), rs.stream().map(FerryRecord::type).toList());
        assertEquals(0, rs.get(1).inbound(), "the capture ends where its written records stop");
    }

    /**
     * The other order of the same race: a producer passes the closing check, the writer is asked to stop and finds its
     * queue empty, and the producer claims and publishes its record just before the writer closes the ring. The
     * writer must write that record before it stops.
     */
    @Test
    void aRecordClaimedJustBeforeTheRingClosesIsWrittenBeforeTheWriterStops() throws Exception {
        CountDownLatch atCheck = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        CountDownLatch submitted = new CountDownLatch(1);
        Thread[] producer = new Thread[1];
        Interleaving hooks = new Interleaving() {
            @Override
            void passedClosingCheck() {
                if (Thread.currentThread() == producer[0]) {
                    atCheck.countDown();
                    awaitLatch(proceed);
                }
            }

            @Override
            void beforeRingClose() {                          // on the writer thread, queue found empty
                proceed.countDown();                          // the producer claims and publishes now
                awaitLatch(submitted);
            }
        };
        DumpWriter w = new DumpWriter(config(dir, DumpConfig.Format.FERRY, 64), ZoneOffset.UTC, System::nanoTime, true,
                hooks);
        writers.add(w);
        Conn c = new Conn(1, "w");
        assertTrue(c.open(w));
        AtomicBoolean queued = new AtomicBoolean();
        producer[0] = new Thread(() -> {
            try {
                queued.set(c.data(w, FerryRecord.INBOUND, "late".getBytes(StandardCharsets.US_ASCII)));
            } finally {
                submitted.countDown();
            }
        });
        producer[0].start();
        assertTrue(atCheck.await(10, TimeUnit.SECONDS), "the producer reached the point after its closing check");
        w.close();
        producer[0].join(10_000);
        assertTrue(queued.get(), "the ring was still open when the producer claimed");
        assertEquals(stats.capturedRecords(), stats.writtenRecords(), "every captured record written");
        assertEquals(0, w.gate().buffered());
        List<String> problems = new ArrayList<>();
        List<FerryRecord> rs = read(dir.resolve(FerryFormat.FILE), problems);
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.ABANDONED),
                rs.stream().map(FerryRecord::type).toList());
        assertEquals("late", new String(rs.get(1).payload(), StandardCharsets.US_ASCII));
        assertEquals(4, rs.get(2).inbound(), "the shutdown's ABANDONED record counts the late bytes");
    }

    /** Drops of records that were queued (not of refused submits). */
    private static long queuedDrops(CaptureStats st) {
        long dropped = 0;
        for (DropReason r : List.of(DropReason.ABANDONED, DropReason.DUMP_DIR_UNAVAILABLE, DropReason.SIZE_CAP,
                DropReason.IO_ERROR)) {
            dropped += st.dropped(r);
        }
        return dropped;
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the other thread did not reach its point in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * The data path's promise for the Layotto format: queuing a small captured read allocates nothing (the bytes go
     * into a slot's retained buffer). Measured with the JVM's per-thread allocation counter, not with time.
     */
    @Test
    void queuingASmallPayloadAllocatesNothing() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported());
        DumpWriter w = writer(config(dir, DumpConfig.Format.LAYOTTO, 128), true);
        IoBuffer buf = IoBuffer.allocate(256);
        buf.append(new byte[128], 0, 128);
        Conn c = new Conn(1, "w");
        c.open(w);
        long self = Thread.currentThread().getId();
        long offset = 0;
        for (int round = 0; round < 20; round++) {   // warm up, and let every slot get its buffer
            for (int i = 0; i < 64; i++, offset += 128) {
                w.gate().reserve(128);
                w.submitData(c, stats, T, "w", "1", "l", 1, FerryRecord.INBOUND, offset, buf, 0, 128);
            }
            await(w);
        }
        long before = mx.getThreadAllocatedBytes(self);
        for (int i = 0; i < 64; i++, offset += 128) {
            w.gate().reserve(128);
            w.submitData(c, stats, T, "w", "1", "l", 1, FerryRecord.INBOUND, offset, buf, 0, 128);
        }
        long allocated = mx.getThreadAllocatedBytes(self) - before;
        assertTrue(allocated < 64 * 16, "64 queued reads of 128 B allocated " + allocated + " bytes");
    }
}
