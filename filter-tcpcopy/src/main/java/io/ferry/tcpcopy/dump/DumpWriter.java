package io.ferry.tcpcopy.dump;

import io.ferry.tcpcopy.config.DumpConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Persists the records of one dump directory: a bounded lock-free queue and <b>one</b> dedicated writer thread.
 *
 * <h2>Threading</h2>
 * {@link #submit} is called on connection threads (and by portrait uploads): it never blocks, never does I/O and
 * takes no lock. A payload record beyond the capture budget ({@code dump.max_bytes_per_second}, see
 * {@link CaptureBudget}) is dropped before it is queued and counted ({@code rate_limit}), so that the writer's work,
 * on a core the proxy may need, stays bounded; when the queue is full the record is dropped and counted
 * ({@code queue_full}). Records within the budget and the queue's capacity are all written. The writer drains
 * the queue every 20 ms, or at once when a producer finds it half full, so records reach the file within about
 * 20 ms plus the write itself. It works in slices of {@link #SLICE_NANOS} and yields the CPU between two, so that on
 * a proxy with a single core its bursts do not hold the connections' thread off the core. Everything else
 * (formatting, files, rotation, MD5s) happens on the writer thread. Records are written in queue order, so the
 * records of one connection keep their order; nothing is deduplicated (Layotto's md5 keys collapsed identical
 * payloads, defect 5).
 *
 * <h2>Failures</h2>
 * The writer survives every exception and goes on with the next record (Layotto's workers stop after one batch,
 * defect 3). A dump directory that cannot be created gives <b>one</b> error log line; its records are counted as
 * {@code dump_dir_unavailable}, and the directory is tried again at most every 30 s, silently (Layotto panics in a
 * loop, defect 8). A failed write is counted as {@code io_error} and logged at most once a minute.
 */
public final class DumpWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DumpWriter.class);
    private static final long RETRY_DIR_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long IO_LOG_NANOS = TimeUnit.MINUTES.toNanos(1);
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

    private final DumpConfig config;
    private final RecordRing queue;
    private final ZoneId zone;
    private final LongSupplier nanoTime;
    private final Thread thread;
    /** The queue's {@link RecordRing#released} count when the writer last found it empty and had flushed the files. */
    private volatile long flushedThrough;
    private volatile boolean finished;
    private final Object idle = new Object();
    private final Map<String, String> memDumpMd5 = new HashMap<>();
    /** Per listener's stats: the queue_full drop count already reported in a Ferry {@code DROPPED} record. */
    private final Map<CaptureStats, Long> queueDropsSeen = new java.util.IdentityHashMap<>();
    private final Map<CaptureStats, Long> rateDropsSeen = new java.util.IdentityHashMap<>();
    /** {@code "format": "pcapng"}: the TCP state of the conversations, and a buffer for one record's packets. */
    private final io.ferry.tcpcopy.pcapng.PcapConverter.Session pcapSession = new io.ferry.tcpcopy.pcapng.PcapConverter.Session();
    private final java.io.ByteArrayOutputStream pcapBuffer = new java.io.ByteArrayOutputStream();
    private final io.ferry.tcpcopy.pcapng.PcapngWriter pcapWriter = pcapWriter(pcapBuffer);
    private final StringBuilder line = new StringBuilder(256);
    private final LayottoFormat.PayloadHead payloadHead;
    private byte[] bytes = new byte[64 * 1024];
    private final boolean discard;
    private final int wakeThreshold;
    /** True while the writer sleeps; the first producer that finds the queue half full clears it and wakes it. */
    private final java.util.concurrent.atomic.AtomicBoolean parked = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean stopping;
    /** {@code dump.sinks}: fed from this writer's thread, each through a bounded queue of its own. */
    private final io.ferry.tcpcopy.dump.sink.DumpSinks sinks;
    /** Null when the budget is unlimited ({@code max_bytes_per_second: 0}). */
    private final CaptureBudget budget;
    /**
     * The writer's clock ({@code nanoTime}), published by the writer thread on each turn of its loop (at least every
     * {@link #IDLE_PARK_NANOS}), so that {@link #submit} charges the budget without reading a clock itself. It lags
     * by at most one park or one write, which delays refills a little and never loses them.
     */
    private volatile long clock;
    private DumpFiles files;
    private boolean dirErrorLogged;
    private long lastDirAttempt;
    private boolean dirAttempted;
    private long lastIoLog;
    private boolean ioLogged;

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
        this(config, zone, nanoTime, start, false);
    }

    private DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime, boolean start, boolean discard) {
        this.discard = discard;
        this.config = config;
        this.queue = new RecordRing(config.queueCapacity());
        this.wakeThreshold = Math.max(1, config.queueCapacity() / 2);
        this.zone = zone;
        this.payloadHead = new LayottoFormat.PayloadHead(zone);
        this.nanoTime = nanoTime;
        this.clock = nanoTime.getAsLong();
        this.budget = config.maxBytesPerSecond() > 0 ? new CaptureBudget(config.maxBytesPerSecond(), clock) : null;
        this.thread = new Thread(this::run, "ferry-tcpcopy-writer");
        this.thread.setDaemon(true);
        this.sinks = io.ferry.tcpcopy.dump.sink.DumpSinks.start(config.sinks());
        if (start) {
            this.thread.start();
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

    /** The sinks of {@code dump.sinks} ({@link io.ferry.tcpcopy.dump.sink.DumpSinks#NONE} without). */
    public io.ferry.tcpcopy.dump.sink.DumpSinks sinks() {
        return sinks;
    }

    /**
     * Queues {@code record} for writing. Never blocks; returns false (and counts the drop in the record's stats) if
     * a payload record is beyond the capture budget, the queue is full or the writer is closed. Portrait records are
     * not charged to the budget (one per business type per window).
     */
    public boolean submit(DumpRecord record) {
        if (record.payload != null && !tryCharge(record.payload.length, record.stats)) {
            return false;
        }
        return submitCharged(record);
    }

    /**
     * Charges {@code bytes} of captured traffic to the capture budget <em>before</em> the caller copies them, so that
     * a read beyond the budget costs one volatile read and no copy. Returns false (and counts a {@code rate_limit}
     * drop in {@code stats}) when the budget is spent; on true, hand the record to {@link #submitCharged}.
     */
    public boolean tryCharge(int bytes, CaptureStats stats) {
        if (budget != null && !budget.tryAcquire(bytes, clock)) {
            stats.drop(DropReason.RATE_LIMIT);
            return false;
        }
        return true;
    }

    /** Queues {@code record}, whose payload was already charged with {@link #tryCharge}; as {@link #submit} otherwise. */
    public boolean submitCharged(DumpRecord record) {
        long pos = claim(record.stats);
        if (pos < 0) {
            return false;
        }
        queue.slot(pos).set(record);
        return published(pos, record.stats, record.payload == null ? -1 : record.payload.length);
    }

    /**
     * Queues a {@code dump_tcp_copy.log} payload, already charged with {@link #tryCharge}, copying
     * {@code source[from, from + length)} straight into the queue: for a read of up to {@link Slot#RETAINED} bytes
     * nothing is allocated. Returns false (counted) when the queue is full or the writer closed; the source buffer
     * is not kept.
     */
    public boolean submitPayload(long timeMillis, String window, String port, CaptureStats stats,
                                 io.ferry.filter.api.IoBuffer source, int from, int length) {
        long pos = claim(stats);
        if (pos < 0) {
            return false;
        }
        Slot slot = queue.slot(pos);
        try {
            slot.copyPayload(timeMillis, window, port, stats, source, from, length);
        } catch (RuntimeException e) {
            slot.clear();                      // published empty, so the writer is never stuck at this position
            queue.publish(pos);
            throw e;
        }
        return published(pos, stats, length);
    }

    private long claim(CaptureStats stats) {
        if (stopping) {
            stats.drop(DropReason.CLOSED);
            return -1;
        }
        long pos = queue.claim();
        if (pos < 0) {
            stats.drop(DropReason.QUEUE_FULL);
        }
        return pos;
    }

    /** Publishes a filled slot and counts it; {@code payloadLength} is -1 for a record without payload. */
    private boolean published(long pos, CaptureStats stats, int payloadLength) {
        queue.publish(pos);
        stats.capturedRecords.increment();
        if (payloadLength >= 0) {
            stats.capturedBytes.add(payloadLength);
        }
        if (parked.get() && queue.size() >= wakeThreshold && parked.compareAndSet(true, false)) {
            LockSupport.unpark(thread);        // one producer pays for the wake-up, and only under pressure
        }
        return true;
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
                flushQuietly();
                flushedThrough = done;
                synchronized (idle) {
                    idle.notifyAll();
                }
                if (stopping && queue.size() == 0) {
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
                if (r.stats != null) {         // null: a slot its producer could not fill
                    if (r.ferry != null) {
                        sinks.offer(r.ferry);  // never blocks; a sink's own queue drops and counts
                    }
                    write(r);
                }
            } catch (Throwable t) {
                r.stats.drop(DropReason.IO_ERROR);
                logIo(t);
                resetFiles();
            } finally {
                queue.release();
            }
        }
        try {
            if (files != null) {
                files.close();
            }
        } catch (IOException e) {
            log.warn("tcpcopy: closing dump files in {} failed: {}", config.dir(), e.toString());
        }
        finished = true;
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    private void write(Slot r) throws IOException {
        if (discard) {
            r.stats.writtenRecords.increment();
            return;
        }
        DumpFiles f = files();
        if (f == null) {
            r.stats.drop(DropReason.DUMP_DIR_UNAVAILABLE);
            return;
        }
        if (r.ferry != null) {
            writeFerry(f, r);
            return;
        }
        if (r.payload != null) {
            writeLayottoPayload(f, r);
            return;
        }
        line.setLength(0);
        LayottoFormat.prefix(line, r.timeMillis, zone);
        LayottoFormat.portrait(line, r.window, r.businessType, r.port, r.portraitJson);
        if (!append(f, LayottoFormat.PORTRAIT_FILE, r)) {
            return;
        }
        writeMemDump(f, r);
    }

    /** A {@code DROPPED} record if the record's listener lost records for {@code reason} since the last one. */
    private void markDrops(DumpFiles f, Slot r, DropReason reason, Map<CaptureStats, Long> seenByStats)
            throws IOException {
        long lost = r.stats.dropped(reason);
        long seen = seenByStats.getOrDefault(r.stats, 0L);
        if (lost > seen) {
            seenByStats.put(r.stats, lost);
            byte[] mark = io.ferry.tcpcopy.record.FerryFormat.encode(io.ferry.tcpcopy.record.FerryRecord.dropped(
                    r.ferry.timeMicros(), r.window, r.ferry.listener(), reason.key(), lost - seen));
            f.append(io.ferry.tcpcopy.record.FerryFormat.FILE, mark);
        }
    }

    /**
     * A Ferry record: first a {@code DROPPED} record if this listener lost records to a full queue since the last one
     * or the capture budget (so a reader sees the gap), then the Layotto line of a {@code DATA} record, then the record itself.
     */
    private void writeFerry(DumpFiles f, Slot r) throws IOException {
        if (config.format() == DumpConfig.Format.FERRY) {
            markDrops(f, r, DropReason.QUEUE_FULL, queueDropsSeen);
            markDrops(f, r, DropReason.RATE_LIMIT, rateDropsSeen);
        }
        if (r.payload != null && !writeLayottoPayload(f, r)) {
            return;
        }
        boolean ok = true;                     // format layotto with sinks: the sinks get the records, no file
        if (config.format() == DumpConfig.Format.PCAPNG) {
            pcapBuffer.reset();
            pcapSession.packets(r.ferry, pcapWriter);
            ok = pcapBuffer.size() == 0 || f.append(io.ferry.tcpcopy.pcapng.PcapngWriter.FILE, pcapBuffer.toByteArray());
        } else if (config.format() == DumpConfig.Format.FERRY) {
            ok = f.append(io.ferry.tcpcopy.record.FerryFormat.FILE, io.ferry.tcpcopy.record.FerryFormat.encode(r.ferry));
        }
        if (ok) {
            if (r.payload == null) {
                r.stats.writtenRecords.increment();
            }
        } else if (r.payload == null) {
            r.stats.drop(DropReason.SIZE_CAP);
        }
    }

    /** The {@code dump_tcp_copy.log} line of a payload; false (and counted) if it did not fit under the caps. */
    private boolean writeLayottoPayload(DumpFiles f, Slot r) throws IOException {
        int len = payloadHead.maxLength(r.window, r.port) + 3 * r.payloadLength + 1;
        if (bytes.length < len) {
            bytes = new byte[Math.max(len, bytes.length * 2)];
        }
        int end = LayottoFormat.hex(r.payload, r.payloadLength, bytes, payloadHead.write(r.timeMillis, r.window, r.port, bytes, 0));
        bytes[end++] = '\n';
        if (f.append(LayottoFormat.TCP_COPY_FILE, bytes, end)) {
            r.stats.writtenRecords.increment();
            r.stats.writtenBytes.add(r.payloadLength);
            return true;
        }
        r.stats.drop(DropReason.SIZE_CAP);
        return false;
    }

    private void writeMemDump(DumpFiles f, Slot r) throws IOException {
        String md5 = md5(r.configJson);
        boolean changed = !md5.equals(memDumpMd5.get(r.port)) || f.size(LayottoFormat.MEM_DUMP_FILE) <= 0;
        line.setLength(0);
        LayottoFormat.prefix(line, r.timeMillis, zone);
        LayottoFormat.memDump(line, r.window, changed ? r.configJson : "no_change");
        line.append('\n');
        if (f.append(LayottoFormat.MEM_DUMP_FILE, line.toString().getBytes(StandardCharsets.UTF_8))) {
            memDumpMd5.put(r.port, md5);
        }
    }

    private boolean append(DumpFiles f, String file, Slot r) throws IOException {
        line.append('\n');
        if (f.append(file, line.toString().getBytes(StandardCharsets.UTF_8))) {
            r.stats.writtenRecords.increment();
            return true;
        }
        r.stats.drop(DropReason.SIZE_CAP);
        return false;
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
            files = new DumpFiles(config.dir(), config.maxFileSize(), config.maxFiles(), config.maxTotalSize());
            if (dirErrorLogged) {
                log.info("tcpcopy: dump directory {} is usable now", config.dir());
                dirErrorLogged = false;
            }
            return files;
        } catch (IOException | RuntimeException e) {
            if (!dirErrorLogged) {
                dirErrorLogged = true;
                log.error("tcpcopy: cannot use dump directory {} ({}); captured records are dropped and counted as "
                        + "dropped_dump_dir_unavailable until it can be created (retried every 30 s). "
                        + "Fix its permissions or set \"dump\": {{\"dir\": ...}} in the tcpcopy config.", config.dir(), e.toString());
            }
            return null;
        }
    }

    private void resetFiles() {
        if (files != null) {
            try {
                files.close();
            } catch (IOException | RuntimeException ignored) {
                // already reported through the failed write
            }
            files = null;
            dirAttempted = false;
        }
    }

    private void flushQuietly() {
        if (files != null) {
            try {
                files.flush();
            } catch (IOException e) {
                logIo(e);
                resetFiles();
            }
        }
    }

    private void logIo(Throwable t) {
        long now = nanoTime.getAsLong();
        if (!ioLogged || now - lastIoLog >= IO_LOG_NANOS) {
            ioLogged = true;
            lastIoLog = now;
            log.error("tcpcopy: writing to dump directory {} failed: {}; the record is dropped (dropped_io_error)",
                    config.dir(), t.toString());
        }
    }

    private static io.ferry.tcpcopy.pcapng.PcapngWriter pcapWriter(java.io.OutputStream out) {
        try {
            return new io.ferry.tcpcopy.pcapng.PcapngWriter(out, io.ferry.tcpcopy.pcapng.PcapngWriter.INTERFACE_NAME, false);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops accepting records, writes what is queued, closes the files and ends the thread (waits up to 10 s). */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sinks.close();
    }
}
