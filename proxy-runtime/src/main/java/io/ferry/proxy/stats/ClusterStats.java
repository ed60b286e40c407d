package io.ferry.proxy.stats;

import com.google.gson.JsonObject;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one cluster, or of one host of a cluster: upstream connections established and open, connect
 * failures, connections refused by the circuit breaker, and bytes sent to and received from the upstream.
 *
 * <p>Thread-safe and lock-free ({@link LongAdder}); updated from every event loop, read by the admin thread.
 */
public final class ClusterStats {

    private final LongAdder connectionsTotal = new LongAdder();
    private final LongAdder connectionsActive = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder connectionsNoUpstream = new LongAdder();
    private final LongAdder overflow = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();

    /** An upstream connection was established. */
    public void connected() {
        connectionsTotal.increment();
        connectionsActive.increment();
    }

    /** An established upstream connection closed. */
    public void disconnected() {
        connectionsActive.decrement();
    }

    /** One connect attempt failed (refused, timed out, unreachable). */
    public void connectFailed() {
        connectFailures.increment();
    }

    /** Every connect attempt for one downstream connection failed; the downstream was closed. */
    public void noUpstream() {
        connectionsNoUpstream.increment();
    }

    /** A downstream connection was refused because the circuit breaker's {@code max_connections} was reached. */
    public void overflow() {
        overflow.increment();
    }

    /** {@code n} bytes were read from the upstream. */
    public void bytesIn(int n) {
        bytesIn.add(n);
    }

    /** {@code n} bytes were handed to the socket towards the upstream. */
    public void bytesOut(int n) {
        bytesOut.add(n);
    }

    public long connectionsTotal() {
        return connectionsTotal.sum();
    }

    public long connectionsActive() {
        return connectionsActive.sum();
    }

    public long connectFailures() {
        return connectFailures.sum();
    }

    public long connectionsNoUpstream() {
        return connectionsNoUpstream.sum();
    }

    public long overflowCount() {
        return overflow.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    /** The counters as a JSON object with snake-case keys. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("connections_total", connectionsTotal());
        o.addProperty("connections_active", connectionsActive());
        o.addProperty("connect_failures", connectFailures());
        o.addProperty("connections_no_upstream", connectionsNoUpstream());
        o.addProperty("circuit_breaker_overflow", overflowCount());
        o.addProperty("bytes_in", bytesIn());
        o.addProperty("bytes_out", bytesOut());
        return o;
    }
}
