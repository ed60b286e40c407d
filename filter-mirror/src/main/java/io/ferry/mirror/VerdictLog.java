package io.ferry.mirror;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Appends verdicts to a file as JSON lines (see the module README, "Verdict log"), on a thread of its own: event loops
 * {@link #offer} a line into a bounded queue and never wait; a line that finds the queue full is dropped and counted
 * ({@link #dropped()}). The writer takes whatever is queued, writes it and flushes when the queue is empty, so a line
 * reaches the file soon after its verdict.
 *
 * <p>Thread-safe. {@link #close} writes what is queued, then closes the file.
 */
final class VerdictLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VerdictLog.class);

    /** Lines the queue holds; beyond it lines are dropped. */
    static final int QUEUE = 8192;

    private final Path path;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
    private final LongAdder written = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final BufferedWriter out;
    private final Thread writer;
    private volatile boolean closing;

    /** Opens (creates or appends to) {@code path} and starts the writer. */
    VerdictLog(Path path) throws IOException {
        this.path = path;
        this.out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        this.writer = new Thread(this::run, "tcp_mirror-verdict-log");
        writer.setDaemon(true);
        writer.start();
    }

    Path path() {
        return path;
    }

    /** Queues one line (without its line break); never blocks. False if it was dropped. */
    boolean offer(String line) {
        if (closing || !queue.offer(line)) {
            dropped.increment();
            return false;
        }
        return true;
    }

    long written() {
        return written.sum();
    }

    long dropped() {
        return dropped.sum();
    }

    private void run() {
        List<String> batch = new ArrayList<>(256);
        try {
            while (true) {
                String first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (String line : batch) {
                    out.write(line);
                    out.write('\n');
                }
                written.add(batch.size());
                batch.clear();
                if (queue.isEmpty()) {
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("tcp_mirror verdict log {}: {}; verdicts are no longer written there", path, e.toString());
            closing = true;
        } finally {
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("tcp_mirror verdict log {}: {}", path, e.toString());
            }
        }
    }

    /** Writes what is queued (waiting up to 5 s), then closes the file. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
        }
    }
}
