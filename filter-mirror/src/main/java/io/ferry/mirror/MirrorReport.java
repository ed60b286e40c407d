package io.ferry.mirror;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What tcp_mirror saw on one listener: counters of mirrored connections by verdict and of shadows abandoned by
 * reason, bytes each way, the latest verdicts, and the response latency of the primary and of the shadow (time from
 * the client's first bytes to each side's first response byte).
 *
 * <p>Thread-safe and lock-free: event loops record ({@link #verdict}, {@link #abandoned}, ...), the admin thread reads
 * ({@link #toJson}); a read is not an atomic snapshot of all counters.
 */
public final class MirrorReport {

    /** One line of the latest verdicts. */
    public record Entry(Instant at, long connection, int copy, String client, Verdict verdict, long primaryLatencyMicros,
                        long shadowLatencyMicros) {
    }

    private final String listener;
    private final LongAdder mirrored = new LongAdder();
    private final LongAdder notSampled = new LongAdder();
    private final LongAdder shadowConnections = new LongAdder();
    private final LongAdder bytesToShadow = new LongAdder();
    private final LongAdder bytesFromShadow = new LongAdder();
    private final Map<String, LongAdder> verdicts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> abandoned = new ConcurrentHashMap<>();
    private final LatencyHistogram primaryLatency = new LatencyHistogram();
    private final LatencyHistogram shadowLatency = new LatencyHistogram();
    private final AtomicReferenceArray<Entry> latest;
    private final AtomicLong next = new AtomicLong();

    public MirrorReport(String listener, int latestKept) {
        this.listener = listener;
        this.latest = new AtomicReferenceArray<>(Math.max(1, latestKept));
        for (Verdict.Kind k : Verdict.Kind.values()) {
            verdicts.put(k.key(), new LongAdder());
        }
    }

    public String listener() {
        return listener;
    }

    /** A client connection was sampled: {@code copies} shadow connections are opened for it. */
    public void mirrored(int copies) {
        mirrored.increment();
        shadowConnections.add(copies);
    }

    /** A client connection was not sampled ({@code percent} below 100, or mirroring off). */
    public void notSampled() {
        notSampled.increment();
    }

    public void bytesToShadow(long n) {
        bytesToShadow.add(n);
    }

    public void bytesFromShadow(long n) {
        bytesFromShadow.add(n);
    }

    /** A shadow connection was given up before its connection ended ({@code reason}: why; see the filter's javadoc). */
    public void abandoned(String reason) {
        abandoned.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** The primary's first response byte came {@code nanos} after the client's first bytes. */
    public void primaryLatency(long nanos) {
        primaryLatency.record(nanos);
    }

    /** A shadow's first response byte came {@code nanos} after the client's first bytes reached it. */
    public void shadowLatency(long nanos) {
        shadowLatency.record(nanos);
    }

    /** The verdict of one shadow connection. */
    public void verdict(Entry e) {
        verdicts.get(e.verdict().kind().key()).increment();
        latest.set((int) (next.getAndIncrement() % latest.length()), e);
    }

    public long count(Verdict.Kind kind) {
        return verdicts.get(kind.key()).sum();
    }

    public long abandonedCount(String reason) {
        LongAdder a = abandoned.get(reason);
        return a == null ? 0 : a.sum();
    }

    public long mirroredCount() {
        return mirrored.sum();
    }

    public long shadowConnectionCount() {
        return shadowConnections.sum();
    }

    /** The counters as {@code /api/v1/stats} shows them (flat names, as MOSN's stats). */
    public Map<String, Long> counters() {
        Map<String, Long> m = new java.util.TreeMap<>();
        m.put("connections_mirrored", mirrored.sum());
        m.put("connections_not_sampled", notSampled.sum());
        m.put("shadow_connections", shadowConnections.sum());
        m.put("bytes_to_shadow", bytesToShadow.sum());
        m.put("bytes_from_shadow", bytesFromShadow.sum());
        verdicts.forEach((k, v) -> m.put("verdict_" + k, v.sum()));
        abandoned.forEach((k, v) -> m.put("abandoned_" + k, v.sum()));
        return m;
    }

    /** The report of {@code GET /api/v1/tcp_mirror/report}: counters, latency percentiles, the latest verdicts. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("listener", listener);
        JsonObject c = new JsonObject();
        counters().forEach(c::addProperty);
        o.add("counters", c);
        JsonObject latency = new JsonObject();
        latency.add("primary_us", percentiles(primaryLatency));
        latency.add("shadow_us", percentiles(shadowLatency));
        o.add("first_response_latency", latency);
        JsonArray recent = new JsonArray();
        long n = next.get();
        for (long i = Math.max(0, n - latest.length()); i < n; i++) {
            Entry e = latest.get((int) (i % latest.length()));
            if (e == null) {
                continue;
            }
            JsonObject v = new JsonObject();
            v.addProperty("at", e.at().toString());
            v.addProperty("connection", e.connection());
            v.addProperty("copy", e.copy());
            v.addProperty("client", e.client());
            v.addProperty("verdict", e.verdict().kind().key());
            v.addProperty("detail", e.verdict().toString());
            if (e.verdict().offset() >= 0) {
                v.addProperty("offset", e.verdict().offset());
            }
            v.addProperty("primary_bytes", e.verdict().primaryBytes());
            v.addProperty("shadow_bytes", e.verdict().shadowBytes());
            v.addProperty("primary_latency_us", e.primaryLatencyMicros());
            v.addProperty("shadow_latency_us", e.shadowLatencyMicros());
            recent.add(v);
        }
        o.add("latest", recent);
        return o;
    }

    private static JsonObject percentiles(LatencyHistogram h) {
        JsonObject p = new JsonObject();
        p.addProperty("count", h.count());
        for (double q : new double[] {50, 90, 99, 99.9}) {
            long v = h.percentile(q);
            p.addProperty("p" + (q == Math.rint(q) ? Long.toString((long) q) : Double.toString(q)), v);
        }
        return p;
    }
}
