package io.ferry.tcpcopy.dump;

import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.dump.sink.DumpSinks;
import io.ferry.dump.format.FerryRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The writer thread of one dump directory: takes the records off its {@link CaptureQueue} in order, has the
 * {@linkplain RecordEncoder encoders} of the dump's format append them to the {@link DumpFiles}, hands them to the
 * {@linkplain DumpSinks sinks}, and keeps the {@link CaptureLedger} of the captures it writes.
 *
 * <h2>The loop</h2>
 * It drains the queue, then flushes the files, commits what reached the disk ({@link CaptureLedger#commit}), writes
 * the {@code ABANDONED} records it owes and sleeps {@link #IDLE_PARK_NANOS}, unless a producer finds the queue half
 * full and wakes it. It works in slices of {@link #SLICE_NANOS} and yields the CPU between two, so that where the proxy
 * has a single core its bursts do not hold the connections' thread off that core. Asked to stop, it drains the queue,
 * closes it, handles what was claimed before the close, gives up the captures still open ({@code shutdown}), writes
 * what it owes and closes the files.
 *
 * <h2>Faults and caps</h2>
 * It survives every exception and goes on with the next record (Layotto's workers stop after one batch, defect 3).
 * When a write fails (a full disk, a removed file) the files are cut back to their last whole record
 * ({@link DumpFiles#recover()}), every capture whose records were lost is given up at its offsets on disk and gets its
 * {@code ABANDONED io_error} record as soon as a write succeeds again, and no connection is admitted meanwhile
 * ({@link CaptureGate#health}). A capture whose record does not fit under {@code max_total_size} is given up
 * ({@code size_cap}) and no connection is admitted for {@link #CAPPED_NANOS}. A dump directory that cannot be used is
 * retried every 30 s. Errors are logged when the state changes and then at most once a minute.
 *
 * <h2>Threading and buffers</h2>
 * Everything here runs on the writer thread ({@link #run}), except {@link #closeFiles} for a writer whose thread never
 * started. The slot it handles is its own until it releases it to the queue, and so are the encoders' buffers; the
 * records it offers to the sinks are immutable and shared by them.
 */
final class WriterLoop implements RecordEncoder.Output {

    private static final Logger log = LoggerFactory.getLogger(WriterLoop.class);
    private static final long RETRY_DIR_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long IO_LOG_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long GONE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** After a capture was given up at {@code max_total_size}, no connection is admitted for this long. */
    static final long CAPPED_NANOS = TimeUnit.SECONDS.toNanos(1);
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
    private final CaptureQueue queue;
    private final CaptureGate gate;
    private final CaptureLedger ledger = new CaptureLedger();
    private final RecordEncoder[] encoders;
    /** Some encoder or sink needs the captured bytes as a Ferry record. */
    private final boolean needsRecords;
    private final DumpSinks sinks;
    private final Map<String, byte[]> headers;
    private final LongSupplier nanoTime;
    /** Take records off the queue and count them as written, without any file (benchmarks). */
    private final boolean discard;
    /** Per listener's stats, the {@code queue_full} drops already marked with a {@code DROPPED} record. */
    private final IdentityHashMap<CaptureStats, Long> lostSeen = new IdentityHashMap<>();
    private DumpFiles files;
    private boolean dirErrorLogged;
    private long lastDirAttempt;
    private boolean dirAttempted;
    private long lastIoLog;
    private boolean failing;
    /** Until then no connection is admitted: a capture was given up at {@code max_total_size}. */
    private long cappedUntil = Long.MIN_VALUE / 2;
    /** A record went straight to its file: commit once its track is advanced. */
    private boolean directWrite;
    private long lastGoneCheck;

    /**
     * @param files    the dump files, opened by the caller; null to discard every record
     * @param headers  the header of each headed file, to open the files again after the directory was unusable
     * @param encoders the dump format's encoders, in the order they write
     */
    WriterLoop(DumpConfig config, CaptureQueue queue, DumpFiles files, Map<String, byte[]> headers,
               RecordEncoder[] encoders, DumpSinks sinks, LongSupplier nanoTime) {
        this.config = config;
        this.queue = queue;
        this.gate = queue.gate();
        this.files = files;
        this.discard = files == null;
        this.headers = headers;
        this.encoders = encoders.clone();
        boolean records = sinks.active();
        for (RecordEncoder e : encoders) {
            records |= e.needsRecords();
        }
        this.needsRecords = records;
        this.sinks = sinks;
        this.nanoTime = nanoTime;
        if (!discard) {
            this.dirAttempted = true;
            this.lastDirAttempt = queue.clock();
        }
    }

    /** The writer thread's body: returns once the writer stopped and closed its files. */
    void run() {
        long sliceStart = nanoTime.getAsLong();
        while (true) {
            long now = queue.tick();
            if (now - sliceStart >= SLICE_NANOS) {
                Thread.yield();                // let a connection thread on this core run between two slices
                sliceStart = queue.tick();
            }
            Slot r = queue.peek();
            if (r == null) {
                long done = queue.released();
                idleWork();
                queue.idle(done);
                if (queue.stopping() && queue.size() == 0) {
                    drainClosed(queue.close());
                    break;
                }
                if (queue.parkIfEmpty(IDLE_PARK_NANOS)) {
                    sliceStart = nanoTime.getAsLong();
                    continue;
                }
                r = queue.peek();
            }
            handleAndRelease(r);
        }
        shutdown();
        queue.finished();
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
            handleAndRelease(r);
        }
    }

    private void handleAndRelease(Slot r) {
        try {
            switch (r.kind) {
                case Slot.DATA -> data(r);
                case Slot.CONTROL -> control(r);
                case Slot.PORTRAIT -> portrait(r);
                default -> {
                    // a slot its producer could not fill
                }
            }
        } catch (IOException | RuntimeException e) {
            failed(e);
        } finally {
            queue.release(r);
        }
    }

    /** With the queue empty: flush, check the files, publish the sinks' state. */
    private void idleWork() {
        gate.sinksCongested(sinks.congested());
        if (files == null && ledger.settled()) {
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

    // ------------------------------------------------------------------ records

    private void data(Slot r) throws IOException {
        CaptureLedger.Track t = ledger.get(r.owner);
        if (t == null || t.abandoned != null) {
            r.stats.drop(DropReason.ABANDONED);
            return;
        }
        if (discard) {
            CaptureLedger.advance(t, r.direction, r.offset + r.payloadLength);
            r.stats.writtenRecords.increment();
            return;
        }
        if (files() == null) {
            lose(t, ShedReason.DUMP_UNAVAILABLE, r.stats, DropReason.DUMP_DIR_UNAVAILABLE);
            return;
        }
        FerryRecord record = needsRecords ? r.dataRecord() : null;
        ledger.touch(t);
        for (RecordEncoder e : encoders) {
            if (!e.data(r, record, this)) {
                lose(t, ShedReason.SIZE_CAP, r.stats, DropReason.SIZE_CAP);
                return;
            }
        }
        CaptureLedger.advance(t, r.direction, r.offset + r.payloadLength);
        commitDirectWrite();
        r.stats.writtenRecords.increment();
        r.stats.writtenBytes.add(r.payloadLength);
        if (record != null) {
            toSinks(record);
        }
    }

    private void control(Slot r) throws IOException {
        FerryRecord rec = r.control;
        CaptureLedger.Track t = ledger.get(r.owner);
        if (rec.type() == FerryRecord.OPEN) {
            t = ledger.open(r);
        } else if (r.owner != null && (t == null || t.over())) {
            r.stats.drop(DropReason.ABANDONED);   // the writer already ended this capture
            return;
        }
        if (discard) {
            if (t != null && isEnd(rec)) {
                ledger.ended(t, rec);
                ledger.touch(t);
            }
            return;
        }
        if (files() == null) {
            if (t != null) {
                lose(t, ShedReason.DUMP_UNAVAILABLE, r.stats, DropReason.DUMP_DIR_UNAVAILABLE);
            } else {
                r.stats.drop(DropReason.DUMP_DIR_UNAVAILABLE);
            }
            return;
        }
        markLost(r);
        if (t != null) {
            ledger.touch(t);
        }
        if (!encode(rec)) {
            if (t != null) {
                lose(t, ShedReason.SIZE_CAP, r.stats, DropReason.SIZE_CAP);
            } else {
                r.stats.drop(DropReason.SIZE_CAP);
            }
            return;
        }
        if (t != null && isEnd(rec)) {
            ledger.ended(t, rec);
        }
        commitDirectWrite();
        r.stats.writtenRecords.increment();
        toSinks(rec);
    }

    private void portrait(Slot r) throws IOException {
        if (discard) {
            r.stats.writtenRecords.increment();
            return;
        }
        if (files() == null) {
            r.stats.drop(DropReason.DUMP_DIR_UNAVAILABLE);
            return;
        }
        for (RecordEncoder e : encoders) {
            if (!e.portrait(r, this)) {
                r.stats.drop(DropReason.SIZE_CAP);
                return;
            }
        }
        r.stats.writtenRecords.increment();
    }

    /**
     * The boundary with the sink fan-out: every record the writer appended to the files, in file order, on this
     * thread, once it is in the files' buffers. {@link DumpSinks#offer} never blocks; each sink keeps its own bounded
     * queue and gives up a connection for itself when it falls behind.
     */
    private void toSinks(FerryRecord record) {
        sinks.offer(record);
    }

    /** A record that is not captured bytes, in every format's file; false if the caps refused it. */
    private boolean encode(FerryRecord rec) throws IOException {
        for (RecordEncoder e : encoders) {
            if (!e.record(rec, this)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isEnd(FerryRecord rec) {
        int type = rec.type();
        return type == FerryRecord.CLOSE || type == FerryRecord.TRUNCATED || type == FerryRecord.ABANDONED;
    }

    /** A DROPPED record before a listener's next record if end records of its captures could not be queued. */
    private void markLost(Slot r) throws IOException {
        long lost = r.stats.dropped(DropReason.QUEUE_FULL);
        long seen = lostSeen.getOrDefault(r.stats, 0L);
        if (lost > seen && config.format() == DumpConfig.Format.FERRY) {
            lostSeen.put(r.stats, lost);
            encode(FerryRecord.dropped(r.timeMicros, r.window, r.listener, DropReason.QUEUE_FULL.key(), lost - seen));
        }
    }

    /** Writes the ABANDONED records the writer owes, oldest first. */
    private void writeNotices() throws IOException {
        for (FerryRecord rec = ledger.nextNotice(); rec != null; rec = ledger.nextNotice()) {
            if (!discard && (files() == null || !encode(rec))) {
                return;                        // no directory, or still no room: try again later
            }
            ledger.noticeAppended();
            toSinks(rec);
        }
    }

    /**
     * The records of {@code t} from here on cannot be written: its capture ends where its records on disk (and in
     * the buffers, which a later failure would cut back too) stop.
     */
    private void lose(CaptureLedger.Track t, ShedReason reason, CaptureStats stats, DropReason drop) {
        stats.drop(drop);
        boolean first = t.abandoned == null;
        ledger.abandon(t, reason, t.inWritten, t.outWritten);
        if (first && reason == ShedReason.SIZE_CAP) {
            cappedUntil = nanoTime.getAsLong() + CAPPED_NANOS;
        }
    }

    // ------------------------------------------------------------------ files

    /**
     * Appends to {@code file}, flushing first when the files ask for it; a record written straight to its file (larger
     * than a buffer) is committed as soon as its track is advanced, so the durable offsets never lag what is on disk.
     */
    @Override
    public DumpFiles.Append append(String file, byte[] bytes, int length) throws IOException {
        DumpFiles f = files;
        DumpFiles.Append a = f.append(file, bytes, length);
        if (a == DumpFiles.Append.FLUSH_FIRST) {
            flush();
            a = f.append(file, bytes, length);
        }
        if (a == DumpFiles.Append.WRITTEN_DIRECT) {
            directWrite = true;
        }
        return a;
    }

    @Override
    public long size(String file) throws IOException {
        return files.size(file);
    }

    private void commitDirectWrite() throws IOException {
        if (directWrite) {
            directWrite = false;
            flush();
        }
    }

    /** Flushes the files and commits: everything appended so far is on disk. */
    private void flush() throws IOException {
        if (files != null && !discard) {
            files.flush();
        }
        ledger.commit();
        if (failing) {
            failing = false;
            log.info("tcpcopy: writing to dump directory {} works again", config.dir());
        }
        gate.health(nanoTime.getAsLong() - cappedUntil < 0 ? ShedReason.SIZE_CAP : null);
    }

    /**
     * A write failed: the files are cut back to their last whole record, and every capture with records that did not
     * reach the disk is given up where its records on disk stop.
     */
    private void failed(Throwable e) {
        String recovered = files == null ? "" : files.recover();
        int lost = ledger.failed();
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

    /** The dump files, opened again (at most every 30 s) if the directory was unusable; null while it is. */
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

    /** Gives up the captures still open, writes what is owed, closes the files. */
    private void shutdown() {
        try {
            ledger.shutdown();
            writeNotices();
            flush();
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
        closeFiles();
    }

    /**
     * Closes the files, once: the writer thread at its end, or the caller's thread for a writer whose thread is not
     * alive (it never ran, or it has just finished: {@code Thread.isAlive()} returning false orders its actions
     * before the caller's, so a second call finds nothing to close).
     */
    void closeFiles() {
        DumpFiles f = files;
        files = null;
        if (f == null) {
            return;
        }
        try {
            f.close();
        } catch (IOException e) {
            log.warn("tcpcopy: closing dump files in {} failed: {}", config.dir(), e.toString());
        }
    }
}
