package io.ferry.tcpcopy.dump.sink;

import io.ferry.tcpcopy.record.FerryFormat;
import io.ferry.tcpcopy.record.FerryRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The sinks of one dump writer: for each sink a bounded queue and a thread of its own.
 *
 * <h2>Threading</h2>
 * {@link #offer} is called by the dump writer's thread (never by the data path): it encodes the record once and
 * offers it to each sink's queue without waiting; a full queue drops the record <em>for that sink only</em> and
 * counts it ({@code dropped_queue_full}). Each sink's thread takes records off its queue in order and calls
 * {@link DumpSink#accept}; an exception is counted ({@code dropped_sink_error}) and logged at most once a minute.
 * So a slow, failing or unreachable sink never blocks the writer, the data path or another sink.
 *
 * <h2>Stats</h2>
 * {@link #snapshot()} gives, per sink name, {@code queued}, {@code accepted}, {@code dropped_queue_full},
 * {@code dropped_sink_error}, {@code dropped_closed}, then the sink's own counters, as {@code <name>.<counter>}.
 */
public final class DumpSinks implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DumpSinks.class);
    private static final long ERROR_LOG_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** No sinks: {@link #offer} does nothing. */
    public static final DumpSinks NONE = new DumpSinks(List.of());

    private final List<Channel> channels;

    private DumpSinks(List<Channel> channels) {
        this.channels = channels;
    }

    /** Creates each sink through its provider and starts its thread. */
    public static DumpSinks start(List<SinkSpec> specs) {
        if (specs.isEmpty()) {
            return NONE;
        }
        List<Channel> channels = new ArrayList<>();
        for (SinkSpec spec : specs) {
            DumpSinkProvider p = SinkSpec.provider(spec.type());
            if (p == null) {
                throw new IllegalStateException(spec.path("type") + ": " + spec.type() + " has no provider any more");
            }
            channels.add(new Channel(spec, p.create(spec)));
        }
        channels.forEach(c -> c.thread.start());
        return new DumpSinks(List.copyOf(channels));
    }

    /** True when there is at least one sink. */
    public boolean active() {
        return !channels.isEmpty();
    }

    /** Hands {@code record} to every sink's queue; never blocks. Called by one thread (the writer) at a time. */
    public void offer(FerryRecord record) {
        if (channels.isEmpty()) {
            return;
        }
        EncodedRecord e = new EncodedRecord(record, FerryFormat.encode(record));
        for (Channel c : channels) {
            c.offer(e);
        }
    }

    /** Waits until every sink's queue is empty and its last record was handed to the sink. For tests and shutdown. */
    public boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Channel c : channels) {
            while (c.offered.get() != c.handled.get()) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(5);
            }
        }
        return true;
    }

    /** The counters of every sink, as {@code <name>.<counter>}. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Channel c : channels) {
            String n = c.spec.name() + ".";
            m.put(n + "queued", (long) c.queue.size());
            m.put(n + "accepted", c.accepted.sum());
            m.put(n + "dropped_queue_full", c.queueFull.sum());
            m.put(n + "dropped_sink_error", c.errors.sum());
            m.put(n + "dropped_closed", c.closedDrops.sum());
            try {
                c.sink.stats().forEach((k, v) -> m.put(n + k, v));
            } catch (RuntimeException e) {
                log.debug("tcpcopy: stats of sink {} failed", c.spec.name(), e);
            }
        }
        return m;
    }

    /** Stops taking records, lets each sink send what is queued (up to 10 s each) and closes it. */
    @Override
    public void close() {
        for (Channel c : channels) {
            c.stopping = true;
        }
        for (Channel c : channels) {
            try {
                c.thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class Channel {
        final SinkSpec spec;
        final DumpSink sink;
        final ArrayBlockingQueue<EncodedRecord> queue;
        final Thread thread;
        final AtomicLong offered = new AtomicLong();
        final AtomicLong handled = new AtomicLong();
        final LongAdder accepted = new LongAdder();
        final LongAdder queueFull = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder closedDrops = new LongAdder();
        volatile boolean stopping;
        private long lastErrorLog;
        private boolean errorLogged;

        Channel(SinkSpec spec, DumpSink sink) {
            this.spec = spec;
            this.sink = sink;
            this.queue = new ArrayBlockingQueue<>(spec.queueCapacity());
            this.thread = new Thread(this::run, "ferry-tcpcopy-sink-" + spec.name());
            this.thread.setDaemon(true);
        }

        void offer(EncodedRecord e) {
            if (stopping) {
                closedDrops.increment();
            } else if (queue.offer(e)) {
                offered.incrementAndGet();
            } else {
                queueFull.increment();
            }
        }

        private void run() {
            try {
                while (true) {
                    EncodedRecord r;
                    try {
                        r = queue.poll(20, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        break;
                    }
                    if (r == null) {
                        flush();
                        if (stopping && queue.isEmpty()) {
                            break;
                        }
                        continue;
                    }
                    try {
                        sink.accept(r);
                        accepted.increment();
                    } catch (Throwable t) {
                        errors.increment();
                        logError(t);
                    } finally {
                        handled.incrementAndGet();
                    }
                }
            } finally {
                try {
                    sink.close();
                } catch (RuntimeException e) {
                    log.warn("tcpcopy: closing sink {} failed: {}", spec.name(), e.toString());
                }
            }
        }

        private void flush() {
            try {
                sink.flush();
            } catch (RuntimeException t) {
                logError(t);
            }
        }

        private void logError(Throwable t) {
            long now = System.nanoTime();
            if (!errorLogged || now - lastErrorLog >= ERROR_LOG_NANOS) {
                errorLogged = true;
                lastErrorLog = now;
                log.error("tcpcopy: sink {} ({}) failed: {}; its records are dropped (dropped_sink_error)",
                        spec.name(), spec.type(), t.toString());
            }
        }
    }
}
