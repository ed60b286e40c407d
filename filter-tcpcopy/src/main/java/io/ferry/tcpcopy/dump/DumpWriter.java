package io.ferry.tcpcopy.dump;

import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.format.LayottoFormat;
import io.ferry.dump.format.ProxyInstance;
import io.ferry.dump.format.pcapng.PcapngSession;
import io.ferry.dump.format.pcapng.PcapngWriter;
import io.ferry.filter.api.IoBuffer;
import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.dump.sink.DumpSinks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Persists the captures of one dump directory: a bounded lock-free queue, a {@link CaptureGate} that decides which
 * connections are captured and bounds what is held in bytes, and <b>one</b> dedicated writer thread.
 *
 * <h2>Threading</h2>
 * The {@code submit} methods are called on connection threads (and by portrait uploads): they never block, never do
 * I/O and take no lock. A data record is submitted only after its bytes were reserved from the gate
 * ({@link CaptureGate#reserve}); one that finds the queue's data share full is refused, and its connection ends its
 * capture ({@link ShedReason#QUEUE_FULL}). The records that open and end captures use the whole queue. The writer drains
 * the queue every 20 ms, or at once when a producer finds it half full; it works in slices of {@link #SLICE_NANOS}
 * and yields the CPU between two, so that on a proxy with a single core its bursts do not hold the connections'
 * thread off the core. Everything else (formatting, files, rotation, MD5s, sinks) happens on the writer thread.
 * Records are written in queue order, so the records of one connection keep their order.
 *
 * <h2>What the writer tracks</h2>
 * Every captured connection, from its {@code OPEN} record to the record that ends it: the stream offsets its records
 * reached in the files, and those that are on disk. That makes the writer the authority on how a capture ended:
 * <ul>
 *   <li>a connection's end ({@code connections_complete}, {@code _truncated}, {@code _abandoned_<reason>}) is
 *       counted once its end record is on disk;</li>
 *   <li>when a write fails (a full disk, a removed file), the files are cut back to their last whole record
 *       ({@link DumpFiles#recover()}); every connection whose records were lost is given up at the offsets that are
 *       on disk, the writer writes its {@code ABANDONED} record ({@code io_error}) as soon as it can write again, and
 *       the connection stops submitting; no new connection is admitted until a write succeeds again;</li>
 *   <li>at close, the connections still captured get an {@code ABANDONED} record ({@code shutdown}).</li>
 * </ul>
 *
 * <h2>Failures</h2>
 * The writer survives every exception and goes on with the next record (Layotto's workers stop after one batch,
 * defect 3). Errors are logged when the state changes and then at most once a minute.
 */
public final class DumpWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DumpWriter.class);
    private static final long RETRY_DIR_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long IO_LOG_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long GONE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * How long the writer sleeps when its queue is empty. Producers do not wake it for each record (a futex call
     * and a context switch per record, on the proxy's own core); they wake it only when the queue is half full.
     */
    static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /**
     * How long the writer works before it yields the CPU. Where the proxy has one core (a sidecar's CPU limit, a
     * pinned process), 20 ms of queued records written in one go would hold the connections' thread off that core
     * for as long; in slices of 50 µs, a connection waits at most one slice for the writer.
     */
    static final long SLICE_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    /** One captured connection, as the writer sees it. */
    private static final class Track {
        final CapturedConnection owner;
        final CaptureStats stats;
        final long connectionId;
        final String window;
        final String listener;
        final String port;
        long inWritten;
        long outWritten;
        long inDurable;
        long outDurable;
        boolean dirty;
        /** The end record appended (CLOSE, TRUNCATED, ABANDONED), counted once on disk. */
        FerryRecord end;
        ShedReason abandoned;

        Track(CapturedConnection owner, CaptureStats stats, FerryRecord open, String port) {
            this.owner = owner;
            this.stats = stats;
            this.connectionId = open.connectionId();
            this.window = open.window();
            this.listener = open.listener();
            this.port = port;
            this.inWritten = this.inDurable = open.inbound();
            this.outWritten = this.outDurable = open.outbound();
        }
    }

    private final DumpConfig config;
    private final String instance;
    private final RecordRing queue;
    private final CaptureGate gate;
    private final ZoneId zone;
    private final LongSupplier nanoTime;
    private final Thread thread;
    private final Map<String, byte[]> headers;
    /** The queue's released count when the writer last found it empty and had flushed the files. */
    private volatile long flushedThrough;
    private volatile boolean finished;
    private final Object idle = new Object();
    private final Map<String, String> memDumpMd5 = new HashMap<>();
    private final IdentityHashMap<CapturedConnection, Track> tracks = new IdentityHashMap<>();
    private final List<Track> dirty = new ArrayList<>();
    /** ABANDONED records the writer owes (after a failed write, at shutdown), with their tracks. */
    private final ArrayDeque<FerryRecord> notices = new ArrayDeque<>();
    private final ArrayDeque<Track> noticeOwners = new ArrayDeque<>();
    /** Owed ABANDONED records appended since the last flush: owed again if that flush fails. */
    private final ArrayDeque<FerryRecord> noticesInFlight = new ArrayDeque<>();
    private final ArrayDeque<Track> noticeOwnersInFlight = new ArrayDeque<>();
    private final IdentityHashMap<CaptureStats, Long> lostSeen = new IdentityHashMap<>();
    /** {@code "format": "pcapng"}: the TCP state of the conversations, and a buffer for one record's packets. */
    private final PcapngSession pcapSession = new PcapngSession();
    private final ByteArrayOutputStream pcapBuffer = new ByteArrayOutputStream();
    private final PcapngWriter pcapWriter = pcapWriter(pcapBuffer);
    private final StringBuilder line = new StringBuilder(256);
    private final LayottoFormat.PayloadHead payloadHead;
    private byte[] bytes = new byte[64 * 1024];
    private final boolean discard;
    private final int wakeThreshold;
    /** True while the writer sleeps; the first producer that finds the queue half full clears it and wakes it. */
    private final AtomicBoolean parked = new AtomicBoolean();
    private volatile boolean stopping;
    /** {@code dump.sinks}: fed from this writer's thread, each through a bounded queue of its own. */
    private final DumpSinks sinks;
    /**
     * The writer's clock ({@code nanoTime}), published by the writer thread on each turn of its loop (at least every
     * {@link #IDLE_PARK_NANOS}), so that the gate charges the budget without reading a clock itself.
     */
    private volatile long clock;
    private DumpFiles files;
    private boolean dirErrorLogged;
    private long lastDirAttempt;
    private boolean dirAttempted;
    private long lastIoLog;
    private boolean ioLogged;
    private boolean failing;
    /** Until then no connection is admitted: a capture was given up at {@code max_total_size}. */
    private long cappedUntil = Long.MIN_VALUE / 2;
    private static final long CAPPED_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A record went straight to its file: commit once its track is advanced. */
    private boolean directWrite;
    private long lastGoneCheck;

    public DumpWriter(DumpConfig config) {
        this(config, ZoneId.systemDefault(), System::nanoTime);
    }

    public DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime) {
        this(config, zone, nanoTime, true, false);
    }

    /**
     * A writer whose thread takes records off the queue and counts them as written without touching any file. For
     * benchmarks that measure the data path's cost apart from the disk.
     */
    public static DumpWriter discarding(DumpConfig config) {
        return new DumpWriter(config, ZoneId.systemDefault(), System::nanoTime, true, true);
    }

    /** With {@code start == false} the thread starts only on {@link #start()}: tests fill the queue first. */
    DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime, boolean start) {
        this(config, zone, nanoTime, start, false, ProxyInstance.id());
    }

    /** As a proxy instance of another name (tests: two runs in one directory). */
    DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime, boolean start, String instance) {
        this(config, zone, nanoTime, start, false, instance);
    }

    private DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime, boolean start, boolean discard) {
        this(config, zone, nanoTime, start, discard, ProxyInstance.id());
    }

    private DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime, boolean start, boolean discard,
                       String instance) {
        this.discard = discard;
        this.config = config;
        this.instance = instance;
        this.queue = new RecordRing(config.queueCapacity());
        this.wakeThreshold = Math.max(1, config.queueCapacity() / 2);
        this.zone = zone;
        this.payloadHead = new LayottoFormat.PayloadHead(zone);
        this.nanoTime = nanoTime;
        this.clock = nanoTime.getAsLong();
        this.gate = new CaptureGate(config.maxBufferedBytes(), config.maxBytesPerSecond(), queue, () -> clock);
        this.headers = Map.of(FerryFormat.FILE, FerryFormat.header(instance), PcapngWriter.FILE,
                PcapngWriter.fileHeader());
        this.thread = new Thread(this::run, "ferry-tcpcopy-writer");
        this.thread.setDaemon(true);
        if (!discard) {
            try {
                this.files = new DumpFiles(config.dir(), config.maxFileSize(), config.maxFiles(),
                        config.maxTotalSize(), headers);
            } catch (IOException e) {
                throw new DumpDirectoryException(config.dir(), e);
            }
            this.dirAttempted = true;
            this.lastDirAttempt = clock;
        }
        try {
            this.sinks = DumpSinks.start(config.sinks());
        } catch (RuntimeException e) {
            closeFilesQuietly();
            throw e;
        }
        if (start) {
            this.thread.start();
        }
    }

    /** The dump directory cannot be used: the message says which and why. */
    public static final class DumpDirectoryException extends RuntimeException {
        DumpDirectoryException(Path dir, IOException cause) {
            super("the dump directory " + dir + " cannot be used: " + cause.getMessage(), cause);
        }
    }

    private void closeFilesQuietly() {
        if (files != null) {
            try {
                files.close();
            } catch (IOException ignored) {
                // failing anyway
            }
        }
    }

    void start() {
        thread.start();
    }

    public DumpConfig config() {
        return config;
    }

    public Path dir() {
        return config.dir();
    }

    /** The proxy instance named in the files this writer starts. */
    public String instance() {
        return instance;
    }

    /** Admission and the byte and rate budgets of this writer's captures. */
    public CaptureGate gate() {
        return gate;
    }

    /** The sinks of {@code dump.sinks} ({@link DumpSinks#NONE} without). */
    public DumpSinks sinks() {
        return sinks;
    }

    // ------------------------------------------------------------------ the data path

    /**
     * Queues captured bytes {@code source[from, from + length)} of one direction of a captured connection, whose
     * room was reserved with {@link CaptureGate#reserve}; copies them straight into the queue (for a read of up to
     * {@link Slot#RETAINED} bytes without allocating). Never blocks. Returns false if the queue's data share is full
     * or the writer is closing; the reservation is then released and the caller ends the capture.
     */
    public boolean submitData(CapturedConnection owner, CaptureStats stats, long timeMicros, String window,
                              String port, String listener, long connectionId, int direction, long offset,
                              IoBuffer source, int from, int length) {
        int cost = CaptureGate.cost(length);
        long pos = stopping ? -1 : queue.claim(gate.dataLimit());
        if (pos < 0) {
            gate.release(cost);
            return false;
        }
        Slot slot = queue.slot(pos);
        try {
            slot.data(timeMicros, window, port, listener, connectionId, direction, offset, source, from, length,
                    owner, cost, stats);
        } catch (RuntimeException e) {
            slot.clear();                      // published empty, so the writer is never stuck at this position
            queue.publish(pos);
            gate.release(cost);
            throw e;
        }
        stats.capturedRecords.increment();
        stats.capturedBytes.add(length);
        published(pos);
        return true;
    }

    /**
     * Queues a record that opens or ends a capture ({@code OPEN}, {@code CLOSE}, {@code TRUNCATED},
     * {@code ABANDONED}), or a {@code REFUSED} record, using the whole queue. Never blocks; false (counted as a
     * {@code queue_full} drop) if even the whole queue is full or the writer is closing.
     *
     * @param owner the captured connection, or null for {@code REFUSED}
     */
    public boolean submitControl(FerryRecord record, String port, CapturedConnection owner, CaptureStats stats) {
        if (stopping) {
            stats.drop(DropReason.CLOSED);
            return false;
        }
        long pos = queue.claim();
        if (pos < 0) {
            stats.drop(DropReason.QUEUE_FULL);
            return false;
        }
        queue.slot(pos).control(record, port, owner, stats);
        stats.capturedRecords.increment();
        published(pos);
        return true;
    }

    /**
     * Queues a portrait upload: a line in {@code dump_portrait_data.log}, then one in {@code dump_mem_dump.log}
     * holding {@code configJson} (already redacted) or {@code no_change}. False (counted) if the queue is full.
     */
    public boolean submitPortrait(long timeMillis, String window, String port, String businessType, String json,
                                  String configJson, CaptureStats stats) {
        if (stopping) {
            stats.drop(DropReason.CLOSED);
            return false;
        }
        long pos = queue.claim(gate.dataLimit());
        if (pos < 0) {
            stats.drop(DropReason.QUEUE_FULL);
            return false;
        }
        queue.slot(pos).portrait(timeMillis * 1000, window, port, businessType, json, configJson, stats);
        stats.capturedRecords.increment();
        published(pos);
        return true;
    }

    private void published(long pos) {
        queue.publish(pos);
        if (parked.get() && queue.size() >= wakeThreshold && parked.compareAndSet(true, false)) {
            LockSupport.unpark(thread);        // one producer pays for the wake-up, and only under pressure
        }
    }

    /** Records waiting in the queue. */
    public int queued() {
        return queue.size();
    }

    /**
     * Waits until every record submitted before this call has been handled (written or dropped) and the files are
     * flushed. For tests and shutdown.
     *
     * @return false on timeout
     */
    public boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
        long target = queue.claimed();
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (idle) {
            while (!finished && (flushedThrough < target || (queue.size() > 0 && !stopping))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.unpark(thread);
                idle.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
        return true;
    }

    /** Publishes the writer's clock to producers; the writer thread calls it on each turn (tests call it directly). */
    void tick() {
        clock = nanoTime.getAsLong();
    }

    // ------------------------------------------------------------------ the writer thread

    private void run() {
        long sliceStart = nanoTime.getAsLong();
        while (true) {
            tick();
            if (clock - sliceStart >= SLICE_NANOS) {
                Thread.yield();                // let a connection thread on this core run between two slices
                tick();
                sliceStart = clock;
            }
            Slot r = queue.peek();
            if (r == null) {
                long done = queue.released();
                idleWork();
                flushedThrough = done;
                synchronized (idle) {
                    idle.notifyAll();
                }
                if (stopping && queue.size() == 0) {
                    drainClosed(queue.close());
                    break;
                }
                parked.set(true);
                r = queue.peek();
                if (r == null) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                    parked.set(false);
                    sliceStart = nanoTime.getAsLong();
                    continue;
                }
                parked.set(false);
            }
            try {
                handle(r);
            } catch (IOException | RuntimeException e) {
                failed(e);
            } finally {
                gate.release(r.reserved);
                queue.release();
            }
        }
        shutdown();
        finished = true;
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    /**
     * The ring is closed at {@code end}: the records claimed before it (by producers that passed the closing check
     * just as the writer stopped) are published soon, since a producer never blocks between claim and publish. Each
     * is handled like any other, so none is counted as captured and then lost.
     */
    private void drainClosed(long end) {
        while (queue.released() < end) {
            Slot r = queue.peek();
            if (r == null) {
                Thread.onSpinWait();
                continue;
            }
            try {
                handle(r);
            } catch (IOException | RuntimeException e) {
                failed(e);
            } finally {
                gate.release(r.reserved);
                queue.release();
            }
        }
    }

    /** With the queue empty: flush, check the files, publish the sinks' state. */
    private void idleWork() {
        gate.sinksCongested(sinks.congested());
        if (files == null && notices.isEmpty() && dirty.isEmpty()) {
            return;
        }
        try {
            writeNotices();
            flush();
            long now = nanoTime.getAsLong();
            if (files != null && now - lastGoneCheck >= GONE_CHECK_NANOS) {
                lastGoneCheck = now;
                for (String gone : files.checkGone()) {
                    log.warn("tcpcopy: dump file {} in {} was removed or replaced; writing goes on in a new file",
                            gone, config.dir());
                }
            }
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
    }

    private void handle(Slot r) throws IOException {
        switch (r.kind) {
            case Slot.DATA -> data(r);
            case Slot.CONTROL -> control(r);
            case Slot.PORTRAIT -> portrait(r);
            default -> {
                // a slot its producer could not fill
            }
        }
    }

    private void data(Slot r) throws IOException {
        Track t = tracks.get(r.owner);
        if (t == null || t.abandoned != null) {
            r.stats.drop(DropReason.ABANDONED);
            return;
        }
        if (discard) {
            advance(t, r.direction, r.offset + r.payloadLength);
            r.stats.writtenRecords.increment();
            return;
        }
        DumpFiles f = files();
        if (f == null) {
            lose(t, ShedReason.DUMP_UNAVAILABLE, r.stats, DropReason.DUMP_DIR_UNAVAILABLE);
            return;
        }
        FerryRecord record = null;
        if (config.format() != DumpConfig.Format.LAYOTTO || sinks.active()) {
            record = r.dataRecord();
        }
        int len = payloadHead.maxLength(r.window, r.port) + 3 * r.payloadLength + 1;
        if (bytes.length < len) {
            bytes = new byte[Math.max(len, bytes.length * 2)];
        }
        int end = LayottoFormat.hex(r.payload, r.payloadLength, bytes,
                payloadHead.write(r.timeMicros / 1000, r.window, r.port, bytes, 0));
        bytes[end++] = '\n';
        touch(t);
        if (put(f, LayottoFormat.TCP_COPY_FILE, bytes, end) == DumpFiles.Append.CAP || !ferryFiles(f, record)) {
            lose(t, ShedReason.SIZE_CAP, r.stats, DropReason.SIZE_CAP);
            return;
        }
        advance(t, r.direction, r.offset + r.payloadLength);
        if (directWrite) {
            directWrite = false;
            flush();
        }
        r.stats.writtenRecords.increment();
        r.stats.writtenBytes.add(r.payloadLength);
        if (record != null) {
            sinks.offer(record);
        }
    }

    /**
     * Appends to {@code name}, flushing first when the files ask for it; a record written straight to its file (larger
     * than a buffer) is committed at once, so the durable offsets never lag what is on disk.
     */
    private DumpFiles.Append put(DumpFiles f, String name, byte[] b, int len) throws IOException {
        DumpFiles.Append a = f.append(name, b, len);
        if (a == DumpFiles.Append.FLUSH_FIRST) {
            flush();
            a = f.append(name, b, len);
        }
        if (a == DumpFiles.Append.WRITTEN_DIRECT) {
            directWrite = true;
        }
        return a;
    }

    /** The record in the Ferry or pcapng file, per the format; false if it did not fit under the caps. */
    private boolean ferryFiles(DumpFiles f, FerryRecord record) throws IOException {
        if (config.format() == DumpConfig.Format.FERRY) {
            byte[] e = FerryFormat.encode(record);
            return put(f, FerryFormat.FILE, e, e.length) != DumpFiles.Append.CAP;
        }
        if (config.format() == DumpConfig.Format.PCAPNG) {
            pcapBuffer.reset();
            pcapSession.packets(record, pcapWriter);
            if (pcapBuffer.size() > 0) {
                byte[] p = pcapBuffer.toByteArray();
                return put(f, PcapngWriter.FILE, p, p.length) != DumpFiles.Append.CAP;
            }
        }
        return true;
    }

    private void control(Slot r) throws IOException {
        FerryRecord rec = r.control;
        Track t = r.owner == null ? null : tracks.get(r.owner);
        if (rec.type() == FerryRecord.OPEN) {
            t = new Track(r.owner, r.stats, rec, r.port);
            tracks.put(r.owner, t);
        } else if (r.owner != null && (t == null || t.abandoned != null || t.end != null)) {
            r.stats.drop(DropReason.ABANDONED);   // the writer already ended this capture
            return;
        }
        if (discard) {
            if (t != null && isEnd(rec)) {
                t.end = rec;
                touch(t);
            }
            return;
        }
        DumpFiles f = files();
        if (f == null) {
            if (t != null) {
                lose(t, ShedReason.DUMP_UNAVAILABLE, r.stats, DropReason.DUMP_DIR_UNAVAILABLE);
            } else {
                r.stats.drop(DropReason.DUMP_DIR_UNAVAILABLE);
            }
            return;
        }
        markLost(f, r);
        if (t != null) {
            touch(t);
        }
        if (!ferryFiles(f, rec)) {
            if (t != null) {
                lose(t, ShedReason.SIZE_CAP, r.stats, DropReason.SIZE_CAP);
            } else {
                r.stats.drop(DropReason.SIZE_CAP);
            }
            return;
        }
        if (t != null && isEnd(rec)) {
            t.end = rec;
        }
        if (directWrite) {
            directWrite = false;
            flush();
        }
        r.stats.writtenRecords.increment();
        sinks.offer(rec);
    }

    private static boolean isEnd(FerryRecord rec) {
        int type = rec.type();
        return type == FerryRecord.CLOSE || type == FerryRecord.TRUNCATED || type == FerryRecord.ABANDONED;
    }

    /** A DROPPED record before a listener's next record if end records of its captures could not be queued. */
    private void markLost(DumpFiles f, Slot r) throws IOException {
        long lost = r.stats.dropped(DropReason.QUEUE_FULL);
        long seen = lostSeen.getOrDefault(r.stats, 0L);
        if (lost > seen && config.format() == DumpConfig.Format.FERRY) {
            lostSeen.put(r.stats, lost);
            byte[] mark = FerryFormat.encode(FerryRecord.dropped(r.timeMicros, r.window, r.listener,
                    DropReason.QUEUE_FULL.key(), lost - seen));
            put(f, FerryFormat.FILE, mark, mark.length);
        }
    }

    private void portrait(Slot r) throws IOException {
        if (discard) {
            r.stats.writtenRecords.increment();
            return;
        }
        DumpFiles f = files();
        if (f == null) {
            r.stats.drop(DropReason.DUMP_DIR_UNAVAILABLE);
            return;
        }
        line.setLength(0);
        LayottoFormat.prefix(line, r.timeMicros / 1000, zone);
        LayottoFormat.portrait(line, r.window, r.businessType, r.port, r.portraitJson);
        line.append('\n');
        if (appendLine(f, LayottoFormat.PORTRAIT_FILE) == DumpFiles.Append.CAP) {
            r.stats.drop(DropReason.SIZE_CAP);
            return;
        }
        r.stats.writtenRecords.increment();
        String md5 = md5(r.configJson);
        boolean changed = !md5.equals(memDumpMd5.get(r.port)) || f.size(LayottoFormat.MEM_DUMP_FILE) <= 0;
        line.setLength(0);
        LayottoFormat.prefix(line, r.timeMicros / 1000, zone);
        LayottoFormat.memDump(line, r.window, changed ? r.configJson : "no_change");
        line.append('\n');
        if (appendLine(f, LayottoFormat.MEM_DUMP_FILE) == DumpFiles.Append.WRITTEN) {
            memDumpMd5.put(r.port, md5);
        }
    }

    private DumpFiles.Append appendLine(DumpFiles f, String file) throws IOException {
        byte[] b = line.toString().getBytes(StandardCharsets.UTF_8);
        return put(f, file, b, b.length);
    }

    private void touch(Track t) {
        if (!t.dirty) {
            t.dirty = true;
            dirty.add(t);
        }
    }

    private static void advance(Track t, int direction, long end) {
        if (direction == FerryRecord.INBOUND) {
            t.inWritten = end;
        } else {
            t.outWritten = end;
        }
    }

    /**
     * The records of {@code t} from here on cannot be written: its capture ends where its records on disk (and in
     * the buffers, which a later failure would cut back too) stop.
     */
    private void lose(Track t, ShedReason reason, CaptureStats stats, DropReason drop) {
        stats.drop(drop);
        abandon(t, reason, t.inWritten, t.outWritten);
    }

    /** Gives up {@code t} at the given offsets: the connection stops, and its ABANDONED record is written when possible. */
    private void abandon(Track t, ShedReason reason, long inbound, long outbound) {
        if (t.abandoned != null) {
            return;
        }
        t.abandoned = reason;
        t.end = null;
        t.owner.abandonedByWriter(reason);
        notices.add(FerryRecord.abandoned(micros(), t.connectionId, t.window, t.listener, inbound, outbound,
                reason.key()));
        noticeOwners.add(t);
        if (reason == ShedReason.SIZE_CAP) {
            cappedUntil = nanoTime.getAsLong() + CAPPED_NANOS;
        }
    }

    /** Writes the ABANDONED records the writer owes, oldest first. */
    private void writeNotices() throws IOException {
        while (!notices.isEmpty()) {
            DumpFiles f = discard ? null : files();
            if (f == null && !discard) {
                return;
            }
            FerryRecord rec = notices.peek();
            Track t = noticeOwners.peek();
            if (f != null && !ferryFiles(f, rec)) {
                return;                        // still no room: try again later
            }
            noticesInFlight.add(notices.poll());
            noticeOwnersInFlight.add(noticeOwners.poll());
            t.end = rec;
            touch(t);
            sinks.offer(rec);
        }
    }

    private void flush() throws IOException {
        if (files != null && !discard) {
            files.flush();
        }
        commit();
        if (failing) {
            failing = false;
            log.info("tcpcopy: writing to dump directory {} works again", config.dir());
        }
        gate.health(nanoTime.getAsLong() - cappedUntil < 0 ? ShedReason.SIZE_CAP : null);
    }

    /** Everything appended so far is on disk: advance the durable offsets and count the captures that ended. */
    private void commit() {
        for (Track t : dirty) {
            t.dirty = false;
            t.inDurable = t.inWritten;
            t.outDurable = t.outWritten;
            FerryRecord end = t.end;
            if (end != null) {
                tracks.remove(t.owner);
                switch (end.type()) {
                    case FerryRecord.CLOSE -> t.stats.connectionsComplete.increment();
                    case FerryRecord.TRUNCATED -> t.stats.connectionsTruncated.increment();
                    default -> t.stats.abandoned(t.abandoned != null ? t.abandoned : reasonOf(end));
                }
            }
        }
        dirty.clear();
        noticesInFlight.clear();
        noticeOwnersInFlight.clear();
    }

    private static ShedReason reasonOf(FerryRecord abandoned) {
        String key = abandoned.reason();
        for (ShedReason r : ShedReason.values()) {
            if (r.key().equals(key)) {
                return r;
            }
        }
        return ShedReason.IO_ERROR;
    }

    /**
     * A write failed: the files are cut back to their last whole record, and every capture with records that did not
     * reach the disk is given up where its records on disk stop.
     */
    private void failed(Throwable e) {
        String recovered = files == null ? "" : files.recover();
        int lost = 0;
        for (Track t : dirty) {
            t.dirty = false;
            if (t.abandoned == null) {
                t.stats.drop(DropReason.IO_ERROR);
                abandon(t, ShedReason.IO_ERROR, t.inDurable, t.outDurable);
                lost++;
            } else {
                t.inWritten = t.inDurable;
                t.outWritten = t.outDurable;
            }
        }
        dirty.clear();
        while (!noticesInFlight.isEmpty()) {   // their ABANDONED records did not reach the disk: owed again
            Track t = noticeOwnersInFlight.pollLast();
            FerryRecord owed = noticesInFlight.pollLast();
            t.end = null;
            notices.addFirst(FerryRecord.abandoned(owed.timeMicros(), t.connectionId, t.window, t.listener,
                    Math.min(owed.inbound(), t.inDurable), Math.min(owed.outbound(), t.outDurable), owed.reason()));
            noticeOwners.addFirst(t);
        }
        gate.health(ShedReason.IO_ERROR);
        long now = nanoTime.getAsLong();
        if (!failing || now - lastIoLog >= IO_LOG_NANOS) {
            lastIoLog = now;
            log.error("tcpcopy: writing to dump directory {} failed: {}; {}{} capture(s) given up (io_error); no new "
                            + "connection is captured until a write succeeds", config.dir(), e.toString(),
                    recovered.isEmpty() ? "" : recovered + "; ", lost);
        }
        failing = true;
    }

    private DumpFiles files() {
        if (files != null) {
            return files;
        }
        long now = nanoTime.getAsLong();
        if (dirAttempted && now - lastDirAttempt < RETRY_DIR_NANOS) {
            return null;
        }
        dirAttempted = true;
        lastDirAttempt = now;
        try {
            files = new DumpFiles(config.dir(), config.maxFileSize(), config.maxFiles(), config.maxTotalSize(),
                    headers);
            if (dirErrorLogged) {
                log.info("tcpcopy: dump directory {} is usable now", config.dir());
                dirErrorLogged = false;
            }
            gate.health(null);
            return files;
        } catch (IOException | RuntimeException e) {
            gate.health(ShedReason.DUMP_UNAVAILABLE);
            if (!dirErrorLogged) {
                dirErrorLogged = true;
                log.error("tcpcopy: cannot use dump directory {}: {}; no connection is captured until it can be used "
                        + "(retried every 30 s)", config.dir(), e.getMessage());
            }
            return null;
        }
    }

    /** Gives up the captures still open, writes what is owed, closes the files and the sinks' feed. */
    private void shutdown() {
        try {
            for (Track t : new ArrayList<>(tracks.values())) {
                if (t.abandoned == null && t.end == null) {
                    abandon(t, ShedReason.SHUTDOWN, t.inWritten, t.outWritten);
                }
            }
            writeNotices();
            flush();
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
        try {
            if (files != null) {
                files.close();
            }
        } catch (IOException e) {
            log.warn("tcpcopy: closing dump files in {} failed: {}", config.dir(), e.toString());
        }
    }

    private long micros() {
        return System.currentTimeMillis() * 1000;
    }

    private static PcapngWriter pcapWriter(java.io.OutputStream out) {
        try {
            return new PcapngWriter(out, PcapngWriter.INTERFACE_NAME, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops accepting records, writes what is queued, gives up the captures still open ({@code shutdown}), closes the
     * files and ends the thread (waits up to 10 s). Then the sinks send what they hold and close.
     */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            if (thread.isAlive()) {
                thread.join(10_000);
            } else if (files != null) {
                files.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("tcpcopy: closing dump files in {} failed: {}", config.dir(), e.toString());
        }
        sinks.close();
    }
}
