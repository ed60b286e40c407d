package io.ferry.dump.spi;

import io.ferry.dump.format.FerryRecord;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the {@code ferry dump} tools read of a dump: sampling windows ({@code --window}), connections
 * ({@code --connection}) and a time range ({@code --since} inclusive, {@code --until} exclusive, compared with each
 * record's capture time). Each part left empty selects everything. The same for every {@link DumpSource}: a source
 * may use {@link #record} to skip records early; the tools apply the whole selection again, so a source that
 * filters nothing is still correct. Immutable and thread-safe.
 *
 * <p>A connection is named either by the id the tools display ({@code 7}) or by its key {@code INSTANCE/ID}: the
 * proxy instance that captured it and that proxy's own connection id (the key of its Kafka records). Ids of different
 * instances collide (each proxy numbers from 1), so when a dump holds more than one instance the displayed ids are
 * renumbered by the tools and the key is the stable name.
 */
public final class Selection {

    /** Everything. */
    public static final Selection ALL = new Selection(Set.of(), List.of(), Long.MIN_VALUE, Long.MAX_VALUE);

    /** One {@code --connection} value: a displayed id ({@code instance} null) or an {@code INSTANCE/ID} key. */
    public record ConnectionRef(String instance, long id) {

        /** {@code 7} or {@code INSTANCE/7} (the instance may itself contain {@code /}; the id follows the last). */
        public static ConnectionRef parse(String v) {
            int slash = v.lastIndexOf('/');
            String instance = slash < 0 ? null : v.substring(0, slash);
            String id = slash < 0 ? v : v.substring(slash + 1);
            try {
                long n = Long.parseLong(id);
                if (n >= 0 && (instance == null || !instance.isEmpty())) {
                    return new ConnectionRef(instance, n);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("--connection " + v
                    + " (expected: a connection id as the tools show it, like 7, or INSTANCE/ID like checkout-1/7)");
        }

        /**
         * True if this names the connection with proxy instance {@code instance}, that proxy's own id
         * {@code connectionId} and the id the tools display for it, {@code displayedId}.
         */
        public boolean matches(String instance, long connectionId, long displayedId) {
            return this.instance == null ? displayedId == id : this.instance.equals(instance) && connectionId == id;
        }

        @Override
        public String toString() {
            return instance == null ? Long.toString(id) : instance + "/" + id;
        }
    }

    private final Set<String> windows;
    private final List<ConnectionRef> connections;
    private final long sinceMicros;
    private final long untilMicros;

    private Selection(Set<String> windows, List<ConnectionRef> connections, long sinceMicros, long untilMicros) {
        this.windows = windows;
        this.connections = connections;
        this.sinceMicros = sinceMicros;
        this.untilMicros = untilMicros;
    }

    /**
     * A selection; empty collections and null instants select everything.
     *
     * @throws IllegalArgumentException a connection that does not parse (see {@link ConnectionRef#parse}), or
     *                                  {@code since} not before {@code until}
     */
    public static Selection of(Collection<String> windows, Collection<String> connections, Instant since, Instant until) {
        List<ConnectionRef> refs = new ArrayList<>();
        for (String c : connections) {
            refs.add(ConnectionRef.parse(c));
        }
        long s = since == null ? Long.MIN_VALUE : micros(since);
        long u = until == null ? Long.MAX_VALUE : micros(until);
        if (s >= u) {
            throw new IllegalArgumentException("--since " + since + " --until " + until
                    + " (expected: --since before --until)");
        }
        return new Selection(Set.copyOf(new LinkedHashSet<>(windows)), List.copyOf(refs), s, u);
    }

    /**
     * {@code --since}/{@code --until} values: an ISO-8601 instant ({@code 2026-11-26T06:00:00Z}, or with an offset
     * like {@code +08:00}) or epoch milliseconds.
     */
    public static Instant parseTime(String flag, String v) {
        try {
            if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
                return Instant.ofEpochMilli(Long.parseLong(v));
            }
            return java.time.OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeException | NumberFormatException e) {
            throw new IllegalArgumentException(flag + " " + v
                    + " (expected: an ISO-8601 instant like 2026-11-26T06:00:00Z, or epoch milliseconds)");
        }
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    /** True if everything is selected. */
    public boolean isAll() {
        return windows.isEmpty() && connections.isEmpty() && sinceMicros == Long.MIN_VALUE
                && untilMicros == Long.MAX_VALUE;
    }

    /** The selected window ids; empty: all. */
    public Set<String> windows() {
        return windows;
    }

    /** The selected connections; empty: all. */
    public List<ConnectionRef> connections() {
        return connections;
    }

    /** Start of the time range in microseconds since the epoch, inclusive ({@link Long#MIN_VALUE}: unbounded). */
    public long sinceMicros() {
        return sinceMicros;
    }

    /** End of the time range in microseconds since the epoch, exclusive ({@link Long#MAX_VALUE}: unbounded). */
    public long untilMicros() {
        return untilMicros;
    }

    /** True if records of window {@code window} are selected. */
    public boolean window(String window) {
        return windows.isEmpty() || windows.contains(window);
    }

    /** True if {@code r} is in the selected windows and time range (connections are selected by the tools). */
    public boolean record(FerryRecord r) {
        return window(r.window()) && r.timeMicros() >= sinceMicros && r.timeMicros() < untilMicros;
    }

    /**
     * False only if connection {@code id} of {@code instance} is certainly not selected: no displayed id is asked
     * for (those are known only once everything is read) and no key names it.
     */
    public boolean mayContain(String instance, long id) {
        if (connections.isEmpty()) {
            return true;
        }
        for (ConnectionRef c : connections) {
            if (c.instance() == null || (c.instance().equals(instance) && c.id() == id)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        if (isAll()) {
            return "everything";
        }
        List<String> parts = new ArrayList<>();
        if (!windows.isEmpty()) {
            parts.add("window " + String.join(",", windows));
        }
        if (!connections.isEmpty()) {
            parts.add("connection " + String.join(",", connections.stream().map(ConnectionRef::toString).toList()));
        }
        if (sinceMicros != Long.MIN_VALUE) {
            parts.add("since " + Instant.ofEpochSecond(0, sinceMicros * 1000));
        }
        if (untilMicros != Long.MAX_VALUE) {
            parts.add("until " + Instant.ofEpochSecond(0, untilMicros * 1000));
        }
        return String.join(", ", parts);
    }
}
