package io.ferry.tcpcopy;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.tcpcopy.config.Sampling;
import io.ferry.tcpcopy.dump.CaptureGate;
import io.ferry.tcpcopy.dump.CaptureStats;
import io.ferry.tcpcopy.dump.DumpWriter;
import io.ferry.tcpcopy.dump.ShedReason;
import io.ferry.tcpcopy.record.Endpoint;
import io.ferry.tcpcopy.record.FerryRecord;

import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the captures of one listener share, and the decision whether a connection is captured: its sampling, the
 * admission through its dump writer's {@link CaptureGate}, the labels and the clock its records carry, and the way
 * into the writer's queue. Each connection's {@link ConnectionCapture} asks it.
 *
 * <h2>Admission</h2>
 * {@link #admit} decides once per connection, in a window: {@code sample_percent} draws; then the switch must be on
 * and the gate must have room (its byte, rate and queue budgets, a healthy dump and sinks). An admitted connection is
 * registered with the gate (which may ask the newest captures to give up under load) and its {@code OPEN} record is
 * queued; one refused for lack of room is counted per window and reason ({@code REFUSED} records, stats), never
 * captured in part.
 *
 * <h2>Threading and buffers</h2>
 * Its methods are called on connection threads and never block, take no lock and do no I/O: they read final and
 * volatile fields, make atomic updates in the gate and the stats, and copy captured bytes into the writer's queue
 * (without allocating for a read of up to 2 KiB); the caller's buffer is not kept. {@link #sampling(Sampling)} is
 * called by the admin thread; {@link #report}, for refusals, by the window schedule's timer.
 */
final class ListenerCapture implements WindowSchedule.Refusals {

    private final DumpWriter writer;
    private final CaptureGate gate;
    private final CaptureStats stats;
    private final WindowSchedule schedule;
    private final ListenerInfo listener;
    private final String name;
    private final boolean bothDirections;
    private final FilterScheduler scheduler;
    private final long clockBaseMicros;
    private final long clockBaseNanos;
    private volatile Sampling sampling;

    /**
     * @param clockBaseMicros the runtime's wall clock in microseconds at {@code clockBaseNanos} of its monotonic one
     */
    ListenerCapture(DumpWriter writer, CaptureStats stats, WindowSchedule schedule, ListenerInfo listener,
                    boolean bothDirections, Sampling sampling, FilterScheduler scheduler,
                    long clockBaseMicros, long clockBaseNanos) {
        this.writer = writer;
        this.gate = writer.gate();
        this.stats = stats;
        this.schedule = schedule;
        this.listener = listener;
        this.name = listener.name();
        this.bothDirections = bothDirections;
        this.sampling = sampling;
        this.scheduler = scheduler;
        this.clockBaseMicros = clockBaseMicros;
        this.clockBaseNanos = clockBaseNanos;
    }

    DumpWriter writer() {
        return writer;
    }

    CaptureGate gate() {
        return gate;
    }

    CaptureStats stats() {
        return stats;
    }

    /** The listener's name, written in every record. */
    String listenerName() {
        return name;
    }

    /**
     * The port label written in records: the TCP port, or the unix listener's name. Read from the listener each time:
     * a listener configured with port 0 has its port once it is bound.
     */
    String port() {
        return portLabel(listener);
    }

    static String portLabel(ListenerInfo l) {
        OptionalInt p = l.port();
        if (p.isPresent() && p.getAsInt() > 0) {
            return Integer.toString(p.getAsInt());
        }
        if ("unix".equals(l.network())) {
            return l.name().replaceAll("[\\[\\]\\s]", "_");
        }
        return "0";
    }

    /** True with {@code "directions": "both"}. */
    boolean bothDirections() {
        return bothDirections;
    }

    /** The connection sampling in force. */
    Sampling sampling() {
        return sampling;
    }

    /** Replaces the connection sampling; applies to connections not yet decided and to budgets from now on. */
    void sampling(Sampling s) {
        sampling = s;
    }

    /** True while the effective switch is on: captures go on; when it goes off they end ({@code switched_off}). */
    boolean capturingOn() {
        return schedule.capturingOn();
    }

    /** Capture time in microseconds since the epoch, from the runtime's clock (millisecond base, µs steps). */
    long micros() {
        long nanos = scheduler.nanoTime() - clockBaseNanos;
        return clockBaseMicros + Math.floorDiv(nanos, 1000L);
    }

    /**
     * Decides whether connection {@code c} is captured, in window {@code w}, from stream offsets {@code inbound} and
     * {@code outbound} (a mid-stream start if either is past 0).
     *
     * @return its admission number (see {@link CaptureGate#register}) if admitted, its {@code OPEN} record queued;
     *         -1 if not (counted as not sampled, or as refused in {@code w} with the reason)
     */
    long admit(ConnectionCapture c, Window w, long inbound, long outbound) {
        int percent = sampling.samplePercent();
        if (percent < 100 && ThreadLocalRandom.current().nextInt(100) >= percent) {
            stats.connectionsNotSampled.increment();
            return -1;
        }
        if (!capturingOn()) {
            return -1;
        }
        ShedReason refused = gate.admit();
        if (refused != null) {
            refused(w, refused);
            return -1;
        }
        boolean midStream = inbound > 0 || outbound > 0;
        FerryRecord open = openRecord(c, w, midStream, inbound, bothDirections ? outbound : FerryRecord.NOT_CAPTURED);
        long seq = gate.register(c);
        if (!submitControl(open, c)) {
            gate.ended(seq);
            refused(w, ShedReason.QUEUE_FULL);
            return -1;
        }
        stats.connectionsAdmitted.increment();
        return seq;
    }

    /** A connection was not admitted in window {@code w}. */
    private void refused(Window w, ShedReason reason) {
        stats.refused(reason);
        w.refused(reason);
    }

    /** The OPEN record of a connection admitted in {@code w}. */
    private FerryRecord openRecord(ConnectionCapture c, Window w, boolean midStream, long inbound, long outbound) {
        Connection conn = c.connection();
        Endpoint remote = conn == null ? Endpoint.UNKNOWN_ENDPOINT : Endpoint.of(conn.remoteAddress());
        Endpoint local = conn == null ? Endpoint.UNKNOWN_ENDPOINT : Endpoint.of(conn.localAddress());
        return FerryRecord.open(micros(), c.connectionId(), w.id(), name, remote, local, midStream, inbound, outbound);
    }

    /** Queues a record that opens or ends {@code c}'s capture; false if it could not be queued (counted). */
    boolean submitControl(FerryRecord record, ConnectionCapture c) {
        return writer.submitControl(record, port(), c, stats);
    }

    /**
     * Queues captured bytes {@code buffer[from, from + n)} of one direction at stream {@code offset}, whose room was
     * reserved from the gate: a Layotto line, and with the Ferry format a {@code DATA} record. Copied straight into
     * the writer's queue (without allocating for small reads); the buffer is not kept.
     */
    boolean submitData(ConnectionCapture c, Window w, int direction, long offset, IoBuffer buffer, int from, int n) {
        return writer.submitData(c, stats, micros(), w.id(), w.port(), name, c.connectionId(), direction, offset,
                buffer, from, n);
    }

    /** The connections window {@code w} refused since the last report, as a {@code REFUSED} record. */
    @Override
    public void report(Window w, ShedReason reason, long count) {
        writer.submitControl(FerryRecord.refused(micros(), w.id(), name, reason.key(), count), w.port(), null, stats);
    }
}
