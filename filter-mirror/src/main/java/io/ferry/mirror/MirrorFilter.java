package io.ferry.mirror;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.ConnectionEventListener;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.HostInfo;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.WriteFilter;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.upstream.UpstreamCallbacks;
import io.ferry.filter.api.upstream.UpstreamConnection;
import io.ferry.filter.api.upstream.UpstreamFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The per-connection part of {@code tcp_mirror}: the read filter that copies the client's bytes to the shadow
 * connections, and the write filter that observes the primary's answer for the comparison. One instance per
 * connection, both roles; everything runs on the connection's thread (the shadow connections' callbacks included,
 * FILTER-CONTRACT.md R6.1), so it takes no lock.
 *
 * <h2>The primary is never affected</h2>
 * {@link #onData} copies the new bytes and returns {@code CONTINUE} without draining; {@link #onWrite} reads the
 * response bytes and returns {@code CONTINUE} without changing them. Reading is never disabled, nothing waits for a
 * shadow, and no shadow event closes or delays the client's connection.
 *
 * <h2>A shadow connection</h2>
 * Each gets the client's bytes in order, as they arrive, straight from the client's read buffer, which the runtime
 * shares or copies once into its own memory ({@link UpstreamConnection#writeCopy}) without draining it. What the shadow's socket
 * does not take at once waits in the runtime's outbound queue (before it is connected, in the runtime's connect
 * queue). The bytes written while the shadow is not connected or not writable (its queue above the runtime's write
 * high-water mark) are its backlog, at most {@code max_buffer}; the backlog starts again from zero when the shadow is
 * writable again, so what waits for a shadow is at most the high-water mark, one read and {@code max_buffer}, in at
 * most twice that memory (a read buffer the runtime shares may be up to twice the bytes it carries). A
 * shadow is abandoned (closed, counted by reason) when its backlog would exceed {@code max_buffer} ({@code overflow}), it cannot be established ({@code connect_failed}, {@code connect_timeout},
 * {@code no_host}, {@code no_cluster}, {@code circuit_breaker}), it resets or fails ({@code reset}), it ends its stream
 * and then fails while the client is still sending ({@code closed_early}), the cluster's idle timeout closes it
 * ({@code idle_timeout}), or it has not finished answering {@code grace} after the client's connection closed
 * ({@code slow}). The client's FIN is passed on as a FIN after every byte written before it.
 *
 * <h2>Verdicts</h2>
 * A shadow's verdict is given once both answers have ended: the primary's when the client's connection closes, the
 * shadow's at its FIN or close (or abandonment). With {@code compare}, a {@link ResponseComparison} per shadow sees
 * both answers as they come, in memory bounded by {@code compare_window}.
 */
final class MirrorFilter implements ReadFilter, WriteFilter, ConnectionEventListener {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorFilter.class);

    /** Bytes copied at a time out of a runtime buffer for the comparisons. */
    private static final int SCRATCH = 8192;

    private final MirrorFactory factory;
    private final MirrorConfig config;
    private final FilterScheduler scheduler;
    private ReadFilterCallbacks callbacks;
    private Connection connection;
    /** Null unless the connection is mirrored. */
    private Shadow[] shadows;
    /** Shadows whose verdict is not given yet. */
    private int pending;
    /** Offset in the client's stream up to which bytes were copied to the shadows. */
    private long seen;
    private boolean clientFin;
    private boolean primaryEnded;
    private long startNanos;
    private long firstRequestNanos;
    private long primaryLatencyNanos = -1;
    private long primaryBytes;
    private byte[] scratch;
    private FilterScheduler.Cancellable connectTimer;
    private FilterScheduler.Cancellable graceTimer;

    MirrorFilter(MirrorFactory factory) {
        this.factory = factory;
        this.config = factory.config();
        this.scheduler = factory.scheduler();
    }

    @Override
    public void initializeReadFilterCallbacks(ReadFilterCallbacks cb) {
        this.callbacks = cb;
        this.connection = cb.connection();
        connection.addConnectionEventListener(this);
    }

    /** Decides once whether this connection is mirrored; if so, opens the shadow connections. Never holds. */
    @Override
    public FilterStatus onNewConnection() {
        if (connection.isClosed() || !factory.sample()) {
            return FilterStatus.CONTINUE;
        }
        startNanos = scheduler.nanoTime();
        int copies = config.copies();
        Shadow[] s = new Shadow[copies];
        Duration linger = config.grace().plusSeconds(1);
        if (linger.compareTo(UpstreamConnection.MAX_LINGER) > 0) {
            linger = UpstreamConnection.MAX_LINGER;
        }
        shadows = s;
        pending = copies;
        for (int i = 0; i < copies; i++) {
            Shadow sh = new Shadow(i);
            s[i] = sh;
            try {
                sh.conn = callbacks.upstreams().connect(factory.route(), 1, sh);
                sh.conn.lingerAfterDownstreamClose(linger);   // the runtime's backstop; the grace timer ends it first
            } catch (RuntimeException e) {
                LOG.debug("connection {}: no shadow connection to cluster {}: {}", connection.id(), config.cluster(),
                        e.toString());
                sh.abandon("connect_failed");
            }
        }
        if (pending > 0 && anyLive()) {
            connectTimer = scheduler.schedule(() -> connection.execute(this::connectDeadline),
                    config.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        return FilterStatus.CONTINUE;
    }

    private boolean anyLive() {
        for (Shadow sh : shadows) {
            if (sh.live()) {
                return true;
            }
        }
        return false;
    }

    /** Copies the bytes not seen before to every live shadow; drains nothing. */
    @Override
    public FilterStatus onData(IoBuffer buffer) {
        Shadow[] s = shadows;
        if (s == null) {
            return FilterStatus.CONTINUE;
        }
        int length = buffer.length();
        long base = buffer.drainedCount();
        int skip = base < 0 ? 0 : (int) Math.max(0, Math.min(length, seen - base));
        int n = length - skip;
        if (n > 0 && !clientFin) {
            if (firstRequestNanos == 0) {
                firstRequestNanos = scheduler.nanoTime();
            }
            for (Shadow sh : s) {
                if (sh.live() && !sh.finWanted) {
                    sh.send(buffer, skip, n);             // shared or copied once by the runtime; the buffer stays whole
                }
            }
        }
        if (base >= 0) {
            seen = base + length;
        }
        if (buffer.isEof()) {
            clientFin();
        }
        return FilterStatus.CONTINUE;
    }

    /** Observes the primary's answer: counts it and feeds the comparisons; changes nothing. */
    @Override
    public FilterStatus onWrite(List<IoBuffer> buffers) {
        Shadow[] s = shadows;
        if (s == null) {
            return FilterStatus.CONTINUE;
        }
        for (int b = 0, nb = buffers.size(); b < nb; b++) {
            IoBuffer buffer = buffers.get(b);
            int n = buffer.length();
            if (n == 0) {
                continue;
            }
            if (primaryLatencyNanos < 0) {
                primaryLatencyNanos = scheduler.nanoTime() - requestStart();
                factory.report().primaryLatency(primaryLatencyNanos);
            }
            primaryBytes += n;
            if (config.compare()) {
                feed(buffer, true, null);
            }
        }
        return FilterStatus.CONTINUE;
    }

    private long requestStart() {
        return firstRequestNanos != 0 ? firstRequestNanos : startNanos;
    }

    /** Feeds {@code buffer}'s bytes into the comparison of one shadow ({@code only}), or of every live one. */
    private void feed(IoBuffer buffer, boolean primary, Shadow only) {
        byte[] tmp = scratch;
        if (tmp == null) {
            tmp = scratch = new byte[SCRATCH];
        }
        int n = buffer.length();
        for (int off = 0; off < n; off += tmp.length) {
            int k = Math.min(tmp.length, n - off);
            buffer.getBytes(off, tmp, 0, k);
            if (only != null) {
                only.comparison.shadow(tmp, 0, k);
            } else {
                for (Shadow sh : shadows) {
                    if (sh.comparison != null && !sh.done) {
                        sh.comparison.primary(tmp, 0, k);
                    }
                }
            }
        }
    }

    /** The client's stream ended: each shadow gets its FIN after the bytes written to it. */
    private void clientFin() {
        if (clientFin) {
            return;
        }
        clientFin = true;
        for (Shadow sh : shadows) {
            sh.fin();
        }
    }

    /** Events of the client's connection. */
    @Override
    public void onEvent(ConnectionEvent event) {
        if (shadows == null) {
            return;
        }
        if (event == ConnectionEvent.REMOTE_HALF_CLOSE) {
            if (callbacks.bufferedBytes() <= 0) {
                clientFin();
            }
            return;
        }
        if (!event.isClose() || primaryEnded) {
            return;
        }
        primaryEnded = true;
        for (Shadow sh : shadows) {
            sh.fin();
            sh.maybeVerdict();
        }
        if (pending > 0) {
            graceTimer = scheduler.schedule(() -> connection.execute(this::graceEnded), config.grace().toNanos(),
                    TimeUnit.NANOSECONDS);
        } else {
            cancelTimers();
        }
    }

    /** {@code connect_timeout} passed: shadows still not connected are abandoned. */
    private void connectDeadline() {
        for (Shadow sh : shadows) {
            if (!sh.connected && sh.live()) {
                sh.abandon("connect_timeout");
            }
        }
    }

    /** {@code grace} passed since the client's connection closed: shadows still answering are abandoned. */
    private void graceEnded() {
        for (Shadow sh : shadows) {
            if (!sh.done) {
                sh.abandon("slow");
            }
        }
    }

    private void cancelTimers() {
        if (connectTimer != null) {
            connectTimer.cancel();
            connectTimer = null;
        }
        if (graceTimer != null) {
            graceTimer.cancel();
            graceTimer = null;
        }
    }

    private void verdictGiven() {
        if (--pending == 0) {
            cancelTimers();
        }
    }

    /** One shadow connection: its backlog, its state, its comparison. */
    private final class Shadow implements UpstreamCallbacks {

        final int copy;
        UpstreamConnection conn;
        final ResponseComparison comparison;
        /** Bytes written since the shadow was last connected and writable (see the class comment). */
        private long backlog;
        boolean connected;
        boolean finWanted;
        private boolean shadowFin;
        /** The connection is gone (closed, failed, cancelled). */
        private boolean closed;
        /** Its verdict was given. */
        boolean done;
        private String failure;
        private boolean lastAttemptTimedOut;
        private long sent;
        private long received;
        private long latencyNanos = -1;
        private String host = "";

        Shadow(int copy) {
            this.copy = copy;
            this.comparison = config.compare() ? new ResponseComparison(config.compareWindow()) : null;
        }

        boolean live() {
            return failure == null && !closed;
        }

        /**
         * Sends a copy of {@code buffer[index, index + n)} after what was written before, draining nothing; abandons
         * the shadow instead if its backlog would exceed {@code max_buffer}.
         */
        void send(IoBuffer buffer, int index, int n) {
            if (connected && conn.isWritable()) {
                backlog = 0;                              // what waits for it is below the high-water mark
            } else if (backlog + n > config.maxBuffer()) {
                abandon("overflow");
                return;
            } else {
                backlog += n;
            }
            conn.writeCopy(buffer, index, n);
            sent += n;
            factory.report().bytesToShadow(n);
        }

        /** The client's FIN: passed on after every byte written before it (before CONNECTED, once connected). */
        void fin() {
            if (finWanted || !live()) {
                return;
            }
            finWanted = true;
            conn.closeWrite();
        }

        /** Gives the shadow up: closes it, counts the reason, and gives its verdict once the primary has ended. */
        void abandon(String reason) {
            if (failure != null || done) {
                return;
            }
            failure = reason;
            factory.report().abandoned(reason);
            LOG.debug("connection {}: shadow {} to {} abandoned: {}", connection.id(), copy, config.cluster(), reason);
            backlog = 0;
            if (conn != null && !conn.isClosed()) {
                conn.close(ConnectionCloseType.NO_FLUSH);
            }
            closed = true;
            maybeVerdict();
        }

        void maybeVerdict() {
            if (done || !primaryEnded || !(closed || shadowFin || failure != null)) {
                return;
            }
            done = true;
            Verdict v;
            if (failure != null) {
                v = Verdict.failed(failure, primaryBytes, received);
            } else if (comparison != null) {
                v = comparison.verdict(null);
            } else {
                v = Verdict.notCompared(primaryBytes, received);
            }
            if (conn != null && !conn.isClosed()) {
                conn.close(ConnectionCloseType.FLUSH_WRITE);
            }
            factory.verdict(connection.id(), copy, String.valueOf(connection.remoteAddress()), host, v,
                    primaryLatencyNanos, latencyNanos, sent);
            verdictGiven();
        }

        @Override
        public void onEvent(ConnectionEvent event) {
            switch (event) {
                case ON_CONNECT -> {
                    HostInfo h = conn.host();
                    host = h == null ? "" : h.address();
                }
                case CONNECT_TIMEOUT -> lastAttemptTimedOut = true;
                case CONNECT_FAILED -> lastAttemptTimedOut = false;
                case CONNECTED -> {
                    if (!live()) {
                        return;
                    }
                    connected = true;
                }
                case REMOTE_HALF_CLOSE -> {
                    shadowFin = true;
                    maybeVerdict();
                }
                case ON_READ_TIMEOUT -> abandon("idle_timeout");
                case LOCAL_CLOSE, REMOTE_CLOSE, ON_READ_ERR_CLOSE -> closed(event);
                default -> {
                }
            }
        }

        private void closed(ConnectionEvent event) {
            if (closed) {
                return;
            }
            if (event == ConnectionEvent.ON_READ_ERR_CLOSE) {
                if (!shadowFin) {
                    abandon("reset");
                } else if (!clientFin && !primaryEnded) {
                    abandon("closed_early");            // it ended its stream, then failed while the client sends
                }
            } else if (event == ConnectionEvent.LOCAL_CLOSE && !shadowFin) {
                abandon("slow");                        // closed by the runtime (its linger ended, it stops)
            }
            closed = true;
            maybeVerdict();
        }

        @Override
        public void onData(IoBuffer buffer) {
            int n = buffer.length();
            if (n > 0) {
                if (latencyNanos < 0) {
                    latencyNanos = scheduler.nanoTime() - requestStart();
                    factory.report().shadowLatency(latencyNanos);
                }
                received += n;
                factory.report().bytesFromShadow(n);
                if (comparison != null && !done) {
                    feed(buffer, false, this);
                }
                buffer.drain(n);
            }
        }

        @Override
        public void onConnectFailure(UpstreamFailure f) {
            closed = true;
            abandonAfterClose(switch (f) {
                case NO_CLUSTER -> "no_cluster";
                case OVERFLOW -> "circuit_breaker";
                case NO_HOST -> "no_host";
                case CONNECT_FAILED -> lastAttemptTimedOut ? "connect_timeout" : "connect_failed";
            });
        }

        private void abandonAfterClose(String reason) {
            if (failure == null && !done) {
                failure = reason;
                factory.report().abandoned(reason);
                backlog = 0;
            }
            maybeVerdict();
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            if (writable) {
                backlog = 0;                              // its queue fell below the low-water mark
            }
        }
    }
}
