package io.ferry.tcpcopy.dump;

import io.ferry.filter.api.IoBuffer;
import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.dump.sink.DumpSinks;
import io.ferry.tcpcopy.pcapng.PcapngWriter;
import io.ferry.tcpcopy.record.FerryFormat;
import io.ferry.tcpcopy.record.FerryRecord;

import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Persists the captures of one dump directory. It puts together, and starts and stops, the parts of the dump:
 * <ul>
 *   <li>the {@link CaptureQueue}: the bounded ring of preallocated slots between the connection threads and the
 *       writer, with the {@link CaptureGate} that decides which connections are captured and bounds what the queue
 *       holds in bytes;</li>
 *   <li>the {@link WriterLoop}: <b>one</b> dedicated writer thread that takes the records off the queue, keeps the
 *       {@link CaptureLedger} of the captures it writes, commits what reached the disk and recovers from faults;</li>
 *   <li>the {@linkplain RecordEncoder encoders} of the dump's format ({@link LayottoEncoder} always, plus
 *       {@link FerryEncoder} or {@link PcapngEncoder}), which append to the {@link DumpFiles};</li>
 *   <li>the {@link DumpSinks} of {@code dump.sinks}, which the writer hands every record it writes.</li>
 * </ul>
 *
 * <h2>Threading and buffers</h2>
 * The {@code submit} methods are called on connection threads (and by portrait uploads): they never block, never do
 * I/O and take no lock; a captured read is copied into the queue, never referenced, so the caller's buffer is free
 * again when they return (see {@link CaptureQueue}). Everything else (formatting, files, rotation, MD5s, sinks)
 * happens on the writer thread. Records are written in queue order, so the records of one connection keep their
 * order. {@link #close} and {@link #awaitIdle} are for the thread that owns the writer (the listener's close,
 * tests); they wait, so never call them on a connection's thread.
 *
 * <h2>Failures</h2>
 * A dump directory that cannot be used stops the construction ({@link DumpDirectoryException}); a sink that cannot
 * be created too, and the files opened before are closed. Once running, the writer survives every exception
 * ({@link WriterLoop}).
 */
public final class DumpWriter implements AutoCloseable {

    private final DumpConfig config;
    private final String instance;
    private final CaptureQueue queue;
    private final WriterLoop loop;
    private final Thread thread;
    /** {@code dump.sinks}: fed from this writer's thread, each through a bounded queue of its own. */
    private final DumpSinks sinks;

    public DumpWriter(DumpConfig config) {
        this(config, ZoneId.systemDefault(), System::nanoTime);
    }

    public DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime) {
        this(config, zone, nanoTime, true, false, ProxyInstance.id(), Interleaving.NONE);
    }

    /**
     * A writer whose thread takes records off the queue and counts them as written without touching any file. For
     * benchmarks that measure the data path's cost apart from the disk.
     */
    public static DumpWriter discarding(DumpConfig config) {
        return new DumpWriter(config, ZoneId.systemDefault(), System::nanoTime, true, true, ProxyInstance.id(),
                Interleaving.NONE);
    }

    /** With {@code start == false} the thread starts only on {@link #start()}: tests fill the queue first. */
    DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime, boolean start) {
        this(config, zone, nanoTime, start, false, ProxyInstance.id(), Interleaving.NONE);
    }

    /** As a proxy instance of another name (tests: two runs in one directory). */
    DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime, boolean start, String instance) {
        this(config, zone, nanoTime, start, false, instance, Interleaving.NONE);
    }

    /** With hooks at the points where producers and the writer race (tests replay a race in a chosen order). */
    DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime, boolean start, Interleaving hooks) {
        this(config, zone, nanoTime, start, false, ProxyInstance.id(), hooks);
    }

    private DumpWriter(DumpConfig config, ZoneId zone, LongSupplier nanoTime, boolean start, boolean discard,
                       String instance, Interleaving hooks) {
        this.config = config;
        this.instance = instance;
        this.queue = new CaptureQueue(config, nanoTime, hooks);
        Map<String, byte[]> headers = Map.of(FerryFormat.FILE, FerryFormat.header(instance), PcapngWriter.FILE,
                PcapngWriter.fileHeader());
        DumpFiles files = null;
        if (!discard) {
            try {
                files = new DumpFiles(config.dir(), config.maxFileSize(), config.maxFiles(), config.maxTotalSize(),
                        headers);
            } catch (IOException e) {
                throw new DumpDirectoryException(config.dir(), e);
            }
        }
        try {
            this.sinks = DumpSinks.start(config.sinks());
        } catch (RuntimeException e) {
            closeQuietly(files);
            throw e;
        }
        this.loop = new WriterLoop(config, queue, files, headers, encoders(config.format(), zone), sinks, nanoTime);
        this.thread = new Thread(loop::run, "ferry-tcpcopy-writer");
        this.thread.setDaemon(true);
        queue.writer(thread);
        if (start) {
            this.thread.start();
        }
    }

    /** The encoders of {@code format}, in the order they write: Layotto's lines always, then the format's file. */
    static RecordEncoder[] encoders(DumpConfig.Format format, ZoneId zone) {
        LayottoEncoder layotto = new LayottoEncoder(zone);
        return switch (format) {
            case LAYOTTO -> new RecordEncoder[] {layotto};
            case FERRY -> new RecordEncoder[] {layotto, new FerryEncoder()};
            case PCAPNG -> new RecordEncoder[] {layotto, new PcapngEncoder()};
        };
    }

    /** The dump directory cannot be used: the message says which and why. */
    public static final class DumpDirectoryException extends RuntimeException {
        DumpDirectoryException(Path dir, IOException cause) {
            super("the dump directory " + dir + " cannot be used: " + cause.getMessage(), cause);
        }
    }

    private static void closeQuietly(DumpFiles files) {
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
        return queue.gate();
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
        return queue.submitData(owner, stats, timeMicros, window, port, listener, connectionId, direction, offset,
                source, from, length);
    }

    /**
     * Queues a record that opens or ends a capture ({@code OPEN}, {@code CLOSE}, {@code TRUNCATED},
     * {@code ABANDONED}), or a {@code REFUSED} record, using the whole queue. Never blocks; false (counted as a
     * {@code queue_full} drop) if even the whole queue is full or the writer is closing.
     *
     * @param owner the captured connection, or null for {@code REFUSED}
     */
    public boolean submitControl(FerryRecord record, String port, CapturedConnection owner, CaptureStats stats) {
        return queue.submitControl(record, port, owner, stats);
    }

    /**
     * Queues a portrait upload: a line in {@code dump_portrait_data.log}, then one in {@code dump_mem_dump.log}
     * holding {@code configJson} (already redacted) or {@code no_change}. False (counted) if the queue is full.
     */
    public boolean submitPortrait(long timeMillis, String window, String port, String businessType, String json,
                                  String configJson, CaptureStats stats) {
        return queue.submitPortrait(timeMillis, window, port, businessType, json, configJson, stats);
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
        return queue.awaitIdle(timeout, unit);
    }

    /**
     * Stops accepting records, writes what is queued, gives up the captures still open ({@code shutdown}), closes the
     * files and ends the thread (waits up to 10 s). Then the sinks send what they hold and close.
     */
    @Override
    public void close() {
        queue.stop();
        try {
            if (thread.isAlive()) {
                thread.join(10_000);
            } else {
                loop.closeFiles();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sinks.close();
    }
}
