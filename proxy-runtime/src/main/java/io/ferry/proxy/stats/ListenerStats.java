package io.ferry.proxy.stats;

import com.google.gson.JsonObject;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one listener: downstream connections accepted and open, bytes read from and written to clients.
 *
 * <p>Thread-safe: updated from every event loop without locks ({@link LongAdder}), read by the admin thread. A read
 * is a sum of cells, so the four values of one {@link #toJson()} are not an atomic snapshot.
 */
public final class ListenerStats {

    private final String name;
    final LongAdder connectionsTotal = new LongAdder();
    final LongAdder connectionsActive = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();

    public ListenerStats(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** A connection was accepted. */
    public void connectionOpened() {
        connectionsTotal.increment();
        connectionsActive.increment();
    }

    /** An accepted connection closed. */
    public void connectionClosed() {
        connectionsActive.decrement();
    }

    /** {@code n} bytes were read from a client. */
    public void bytesIn(int n) {
        bytesIn.add(n);
    }

    /** {@code n} bytes were handed to the socket towards a client. */
    public void bytesOut(int n) {
        bytesOut.add(n);
    }

    public long connectionsTotal() {
        return connectionsTotal.sum();
    }

    public long connectionsActive() {
        return connectionsActive.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    /** {@code {"connections_total":…, "connections_active":…, "bytes_in":…, "bytes_out":…}}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("connections_total", connectionsTotal());
        o.addProperty("connections_active", connectionsActive());
        o.addProperty("bytes_in", bytesIn());
        o.addProperty("bytes_out", bytesOut());
        return o;
    }
}
