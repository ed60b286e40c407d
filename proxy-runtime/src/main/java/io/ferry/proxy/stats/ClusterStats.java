package io.ferry.proxy.stats;

import com.google.gson.JsonObject;
import io.ferry.filter.chain.metrics.LocalHistogram;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one cluster, or of one host of a cluster: upstream connections established and open, connect
 * failures, connections refused by the circuit breaker, and bytes sent to and received from the upstream.
 *
 * <p>Thread-safe and lock-free ({@link LongAdder}); updated from every event loop, read by the admin thread.
 */
public final class ClusterStats extends ConnectionCounters {

    /** Upper bounds of the connect-time buckets, in seconds: 100 µs to 10 s (MOSN's default connect_timeout). */
    public static final double[] CONNECT_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
            0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder connectionsNoUpstream = new LongAdder();
    private final LongAdder overflow = new LongAdder();
    private final LocalHistogram connectTime = new LocalHistogram(CONNECT_BUCKETS);

    /** An upstream connection was established {@code connectNanos} after the attempt started: {@link #opened()}, timed. */
    public void connected(long connectNanos) {
        opened();
        connectTime.observeNanos(connectNanos);
    }

    /** How long successful connect attempts took, in seconds. */
    public LocalHistogram connectTime() {
        return connectTime;
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

    public long connectFailures() {
        return connectFailures.sum();
    }

    public long connectionsNoUpstream() {
        return connectionsNoUpstream.sum();
    }

    public long overflowCount() {
        return overflow.sum();
    }

    @Override
    protected void addCounters(JsonObject o) {
        o.addProperty("connect_failures", connectFailures());
        o.addProperty("connections_no_upstream", connectionsNoUpstream());
        o.addProperty("circuit_breaker_overflow", overflowCount());
    }
}
