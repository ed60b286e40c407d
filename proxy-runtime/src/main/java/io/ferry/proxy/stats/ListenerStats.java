package io.ferry.proxy.stats;

/**
 * The counters of one listener: downstream connections accepted and open, bytes read from and written to clients
 * ({@code {"connections_total":…, "connections_active":…, "bytes_in":…, "bytes_out":…}}).
 */
public final class ListenerStats extends ConnectionCounters {

    private final String name;

    public ListenerStats(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }
}
