package io.ferry.proxy.stats;

import com.google.gson.JsonObject;
import io.ferry.filter.chain.metrics.LocalHistogram;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters every listener, cluster and host has: connections opened in total, open now and reset, bytes in and
 * out.
 *
 * <p>Thread-safe and lock-free ({@link LongAdder}): updated from every event loop, read by the admin thread. A read
 * is a sum of cells, so the values of one {@link #toJson()} are not an atomic snapshot.
 */
public abstract class ConnectionCounters {

    /** Upper bounds of the connection-duration buckets, in seconds: 1 ms to 4 h. */
    public static final double[] DURATION_BUCKETS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900,
            3600, 14400};

    private final LongAdder connectionsTotal = new LongAdder();
    private final LongAdder connectionsActive = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private final LocalHistogram duration = new LocalHistogram(DURATION_BUCKETS);

    /** A connection was opened (accepted, or established upstream). */
    public void opened() {
        connectionsTotal.increment();
        connectionsActive.increment();
    }

    /** A connection counted by {@link #opened()} closed. */
    public void closed() {
        connectionsActive.decrement();
    }

    /** A connection counted by {@link #opened()} closed after {@code lifetimeNanos}; lock-free, allocates nothing. */
    public void closed(long lifetimeNanos) {
        connectionsActive.decrement();
        duration.observeNanos(lifetimeNanos);
    }

    /** How long connections were open, in seconds, observed when they close. */
    public LocalHistogram connectionDuration() {
        return duration;
    }

    /**
     * The proxy reset a connection (a TCP RST; a unix socket is closed) because bytes pending towards its peer could
     * not be delivered: the other side was reset, a filter closed it without flushing, or it stalled past the idle
     * timeout. A FIN is sent only when the stream towards the peer is complete, so a truncated stream never looks
     * complete.
     */
    public void reset() {
        resets.increment();
    }

    /** {@code n} bytes were read from the peer. */
    public void bytesIn(int n) {
        bytesIn.add(n);
    }

    /** {@code n} bytes were handed to the socket towards the peer. */
    public void bytesOut(int n) {
        bytesOut.add(n);
    }

    public long connectionsTotal() {
        return connectionsTotal.sum();
    }

    public long connectionsActive() {
        return connectionsActive.sum();
    }

    public long resets() {
        return resets.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    /** The counters as a JSON object with snake-case keys: the connection counts (total, active, reset), then {@link #addCounters}, then bytes. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("connections_total", connectionsTotal());
        o.addProperty("connections_active", connectionsActive());
        o.addProperty("connections_reset", resets());
        addCounters(o);
        o.addProperty("bytes_in", bytesIn());
        o.addProperty("bytes_out", bytesOut());
        return o;
    }

    /** Adds a subclass's own counters to {@code o}. */
    protected void addCounters(JsonObject o) {
    }
}
