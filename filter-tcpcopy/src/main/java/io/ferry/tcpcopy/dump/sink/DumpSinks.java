package io.ferry.tcpcopy.dump.sink;

import io.ferry.tcpcopy.dump.ShedReason;
import io.ferry.tcpcopy.record.FerryFormat;
import io.ferry.tcpcopy.record.FerryRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The sinks of one dump writer, the fan-out of its records: for each sink a bounded queue and a thread of its own.
 *
 * <h2>The boundary with the writer</h2>
 * The dump writer ({@code io.ferry.tcpcopy.dump.DumpWriter}) creates it with {@link #start}; its thread calls
 * {@link #active} (whether it builds Ferry records of captured bytes at all), {@link #offer} (each record it appended
 * to its files, in file order) and {@link #congested} (when its queue is empty; no new connection is admitted while
 * true); its {@code close} calls {@link #close} once the writer thread has ended (or after waiting 10 s for it).
 * Nothing else of the writer is visible here, and nothing here is visible to the data path.
 *
 * <h2>Threading and buffers</h2>
 * {@link #offer} encodes the record once and offers the encoding to each sink's queue without waiting; the record and
 * its encoding are immutable and shared by every sink. Each sink's thread takes records off its queue in order and
 * calls {@link DumpSink#accept}; an exception is counted ({@code dropped_sink_error}) and logged at most once a
 * minute. So a slow, failing or unreachable sink never blocks the writer, the data path or another sink.
 *
 * <h2>Whole captures, per sink</h2>
 * A sink's queue is bounded in records ({@code queue_capacity}) and bytes ({@code queue_bytes}). When a record of a
 * captured connection does not fit, <em>that sink</em> gives up the connection: it gets an {@code ABANDONED} record
 * (reason {@code sink_slow}) with the offsets where its copy stops, as soon as there is room, and nothing more of that
 * connection, so what each sink receives is complete or says what it lacks. The records that end captures are small
 * and always queued. While some sink's queue is more than half full, {@link #congested()} is true and no new
 * connection is admitted to capture.
 *
 * <h2>Stats</h2>
 * {@link #snapshot()} gives, per sink name, {@code queued}, {@code queued_bytes}, {@code accepted},
 * {@code dropped_queue_full}, {@code dropped_sink_error}, {@code dropped_closed}, {@code connections_abandoned},
 * then the sink's own counters, as {@code <name>.<counter>}.
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

    /**
     * Creates each sink through its provider and starts its thread. If one cannot be created, those already
     * created are closed before the exception propagates.
     */
    public static DumpSinks start(List<SinkSpec> specs) {
        if (specs.isEmpty()) {
            return NONE;
        }
        List<Channel> channels = new ArrayList<>();
        try {
            for (SinkSpec spec : specs) {
                DumpSinkProvider p = SinkSpec.provider(spec.type());
                if (p == null) {
                    throw new IllegalStateException(spec.path("type") + ": " + spec.type() + " has no provider any more");
                }
                channels.add(new Channel(spec, p.create(spec)));
            }
        } catch (RuntimeException | Error e) {
            for (Channel c : channels) {
                try {
                    c.sink.close();
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
        channels.forEach(c -> c.thread.start());
        return new DumpSinks(List.copyOf(channels));
    }

    /** True when there is at least one sink. */
    public boolean active() {
        return !channels.isEmpty();
    }

    /** True while some sink's queue is more than half full, in records or bytes. */
    public boolean congested() {
        for (Channel c : channels) {
            if (c.queue.size() > c.spec.queueCapacity() / 2 || c.bytes.get() > c.spec.queueBytes() / 2) {
                return true;
            }
        }
        return false;
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
            m.put(n + "queued_bytes", c.bytes.get());
            m.put(n + "accepted", c.accepted.sum());
            m.put(n + "dropped_queue_full", c.queueFull.sum());
            m.put(n + "dropped_sink_error", c.errors.sum());
            m.put(n + "dropped_closed", c.closedDrops.sum());
            m.put(n + "connections_abandoned", c.abandonedConnections.sum());
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

    /** What one sink has of a captured connection: the offsets its copy reached, or that it gave it up. */
    private static final class Copy {
        final FerryRecord open;
        long inbound;
        long outbound;
        boolean abandoned;
        boolean noticeOwed;

        Copy(FerryRecord open) {
            this.open = open;
            this.inbound = open.inbound();
            this.outbound = open.outbound();
        }
    }

    private static final class Channel {
        final SinkSpec spec;
        final DumpSink sink;
        final LinkedBlockingQueue<EncodedRecord> queue = new LinkedBlockingQueue<>();
        final Thread thread;
        final AtomicLong offered = new AtomicLong();
        final AtomicLong handled = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final LongAdder accepted = new LongAdder();
        final LongAdder queueFull = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder closedDrops = new LongAdder();
        final LongAdder abandonedConnections = new LongAdder();
        /** The captured connections this sink has a copy of, by id (the writer's thread only). */
        final Map<Long, Copy> copies = new HashMap<>();
        volatile boolean stopping;
        private long lastErrorLog;
        private boolean errorLogged;

        Channel(SinkSpec spec, DumpSink sink) {
            this.spec = spec;
            this.sink = sink;
            this.thread = new Thread(this::run, "ferry-tcpcopy-sink-" + spec.name());
            this.thread.setDaemon(true);
        }

        /** On the writer's thread. */
        void offer(EncodedRecord e) {
            if (stopping) {
                closedDrops.increment();
                return;
            }
            FerryRecord r = e.record();
            long id = r.connectionId();
            switch (r.type()) {
                case FerryRecord.OPEN -> {
                    copies.put(id, new Copy(r));
                    enqueue(e);
                }
                case FerryRecord.DATA -> data(id, e);
                case FerryRecord.CLOSE, FerryRecord.TRUNCATED, FerryRecord.ABANDONED -> {
                    Copy c = copies.remove(id);
                    if (c == null || !c.abandoned) {
                        enqueue(e);
                    } else if (c.noticeOwed) {
                        enqueueNotice(c, r.timeMicros());
                    }
                }
                default -> enqueue(e);
            }
        }

        private void data(long id, EncodedRecord e) {
            Copy c = copies.get(id);
            if (c != null && c.abandoned) {
                if (c.noticeOwed) {
                    enqueueNotice(c, e.record().timeMicros());
                }
                return;
            }
            int size = e.encoded().length;
            if (queue.size() >= spec.queueCapacity() || bytes.get() + size > spec.queueBytes()) {
                queueFull.increment();
                if (c != null) {
                    c.abandoned = true;
                    c.noticeOwed = true;
                    abandonedConnections.increment();
                    enqueueNotice(c, e.record().timeMicros());
                }
                return;
            }
            if (c != null) {
                FerryRecord r = e.record();
                if (r.direction() == FerryRecord.INBOUND) {
                    c.inbound = r.end();
                } else {
                    c.outbound = r.end();
                }
            }
            enqueue(e);
        }

        /** The sink's ABANDONED record for a connection it gave up: small, always queued. */
        private void enqueueNotice(Copy c, long timeMicros) {
            c.noticeOwed = false;
            FerryRecord notice = FerryRecord.abandoned(timeMicros, c.open.connectionId(), c.open.window(),
                    c.open.listener(), c.inbound, c.outbound, ShedReason.SINK_SLOW.key());
            enqueue(new EncodedRecord(notice, FerryFormat.encode(notice)));
        }

        private void enqueue(EncodedRecord e) {
            bytes.addAndGet(e.encoded().length);
            queue.add(e);
            offered.incrementAndGet();
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
                        bytes.addAndGet(-r.encoded().length);
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
