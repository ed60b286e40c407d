package io.ferry.dump.tools;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ferry dump inspect}: one line per connection (id, listener, client and proxy addresses, windows, bytes and
 * records per direction, and its status: {@code complete}, {@code truncated at N B}, {@code abandoned at N B: reason},
 * {@code open when the dump ends}, {@code incomplete: ... missing}, {@code mid-stream start} besides), the capture's
 * time span, its sampling windows (id, time span, connections, connections refused by reason: the ids
 * {@code --window} selects), the totals per listener under the names the proxy's {@code /api/v1/stats} uses
 * ({@code tcpcopy.<listener>}: {@code connections_admitted}, {@code connections_complete},
 * {@code connections_truncated}, {@code connections_abandoned_<reason>}, {@code connections_refused_<reason>}), then
 * the drops recorded in the dump and any damage the reader skipped, with file and offset.
 *
 * <p>The proxy counts a connection {@code complete} when it wrote its {@code CLOSE} record, so the totals count end
 * records as the proxy does; the statuses say more (a {@code CLOSE} whose bytes are not all in the dump is
 * {@code incomplete}, and so is counted separately below the totals).
 */
public final class Inspect {

    private Inspect() {
    }

    public static void print(Capture c, PrintStream out) {
        out.printf("%s: %s format, %d records, %d connections%n", c.source(), c.format(), c.recordCount(),
                c.connections().size());
        if (!c.selection().isAll()) {
            out.println("selected: " + c.selection()
                    + (c.selection().sinceMicros() != Long.MIN_VALUE || c.selection().untilMicros() != Long.MAX_VALUE
                    ? " (statuses are those of the selected records)" : ""));
        }
        boolean keys = c.renumbered();
        if (!c.instances().isEmpty()) {
            out.printf("%s: %s%s%n", c.instances().size() == 1 ? "instance" : "instances",
                    c.instances().size() == 1 ? "" : c.instances().size() + " (",
                    String.join(", ", c.instances()) + (c.instances().size() == 1 ? "" : ")"));
        }
        if (keys) {
            out.println("the connections of several instances are numbered 1, 2, ... in order of appearance; "
                    + "instance/conn is the proxy's own id");
        }
        String keyHead = keys ? String.format("%-28s ", "instance/conn") : "";
        out.printf("%-8s %s%-16s %-24s %-24s %-7s %15s %15s  %s%n", "conn", keyHead, "listener", "client", "proxy",
                "windows", "inbound", "outbound", "status");
        for (Capture.Conn k : c.connections().values()) {
            String key = keys ? String.format("%-28s ", k.key()) : "";
            out.printf("%-8d %s%-16s %-24s %-24s %-7d %15s %15s  %s%n", k.id, key, k.listener, k.remote, k.local,
                    k.windowCount(), k.inboundBytes + " B/" + k.inboundRecords,
                    !k.openSeen || k.recorded(io.ferry.dump.format.FerryRecord.OUTBOUND)
                            ? k.outboundBytes + " B/" + k.outboundRecords : "not recorded",
                    k.status().text());
        }
        if (!c.connections().isEmpty()) {
            long first = Long.MAX_VALUE;
            long last = 0;
            for (Capture.Conn k : c.connections().values()) {
                first = Math.min(first, k.firstMicros);
                last = Math.max(last, k.lastMicros);
            }
            out.printf("time: %s .. %s%n", time(first), time(last));
        }
        printWindows(c, out);
        if ("layotto".equals(c.format())) {
            out.println("note: a Layotto dump has no connections, directions or addresses; each (port, window) is shown"
                    + " as one pseudo-connection of inbound bytes, with no status");
        } else {
            printTotals(c, out);
        }
        if (c.dropped().isEmpty()) {
            out.println("drops recorded: none");
        } else {
            StringBuilder sb = new StringBuilder("drops recorded:");
            for (Map.Entry<String, Long> e : c.dropped().entrySet()) {
                sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
            }
            out.println(sb + " (records lost before they reached the dump: a connection of that listener without"
                    + " an end record may have lost it so)");
        }
        for (String p : c.problems()) {
            out.println("damaged: " + p);
        }
    }

    /** One line per sampling window: id (what {@code --window} selects), time span, connections, refused. */
    private static void printWindows(Capture c, PrintStream out) {
        if (c.windows().isEmpty()) {
            return;
        }
        out.printf("windows: %d%n", c.windows().size());
        for (Capture.WindowInfo w : c.windows().values()) {
            StringBuilder refused = new StringBuilder();
            long total = 0;
            for (Map.Entry<String, Long> e : w.refused.entrySet()) {
                refused.append(refused.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(e.getValue());
                total += e.getValue();
            }
            out.printf("  %s  %s .. %s  %d connection%s%s%n", w.id, time(w.firstMicros), time(w.lastMicros),
                    w.connections, w.connections == 1 ? "" : "s",
                    total == 0 ? "" : ", " + total + " not admitted: " + refused);
        }
    }

    /**
     * Per instance and listener, the connection counters under the names of the proxy's stats, then what the dump
     * tells beyond them.
     */
    private static void printTotals(Capture c, PrintStream out) {
        Map<String, Map<String, Long>> groups = new LinkedHashMap<>();
        Map<String, long[]> extra = new LinkedHashMap<>();     // open at end, incomplete, mid-stream
        for (Capture.Conn k : c.connections().values()) {
            String g = k.instance + "\n" + k.listener;
            Map<String, Long> t = groups.computeIfAbsent(g, x -> counters());
            long[] x = extra.computeIfAbsent(g, y -> new long[3]);
            Capture.Status s = k.status();
            if (k.openSeen) {
                t.merge("connections_admitted", 1L, Long::sum);
            }
            switch (s.end()) {
                case CLOSED -> t.merge("connections_complete", 1L, Long::sum);
                case TRUNCATED -> t.merge("connections_truncated", 1L, Long::sum);
                case ABANDONED -> t.merge("connections_abandoned_" + k.abandonedReason, 1L, Long::sum);
                default -> x[0]++;
            }
            if (!s.missing().isEmpty()) {
                x[1]++;
            }
            if (s.midStream()) {
                x[2]++;
            }
        }
        for (Map.Entry<String, Map<String, Long>> e : c.refused().entrySet()) {
            Map<String, Long> t = groups.computeIfAbsent(e.getKey(), x -> counters());
            extra.computeIfAbsent(e.getKey(), y -> new long[3]);
            e.getValue().forEach((reason, n) -> t.merge("connections_refused_" + reason, n, Long::sum));
        }
        for (Map.Entry<String, Map<String, Long>> e : groups.entrySet()) {
            String[] il = e.getKey().split("\n", 2);
            out.printf("totals of listener %s%s (as in /api/v1/stats, filters.tcpcopy.%s):%n", il[1],
                    il[0].isEmpty() ? "" : ", instance " + il[0], il[1]);
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, Long> t : e.getValue().entrySet()) {
                sb.append(sb.length() == 0 ? "  " : " ").append(t.getKey()).append('=').append(t.getValue());
            }
            out.println(sb);
            long[] x = extra.get(e.getKey());
            out.printf("  besides: %d open when the dump ends, %d with records missing from the dump, %d started"
                    + " mid-stream%n", x[0], x[1], x[2]);
        }
    }

    /** The counters every listener shows, even at 0; abandoned and refused reasons appear when they occur. */
    private static Map<String, Long> counters() {
        Map<String, Long> m = new TreeMap<>((a, b) -> {
            int oa = order(a);
            int ob = order(b);
            return oa != ob ? Integer.compare(oa, ob) : a.compareTo(b);
        });
        m.put("connections_admitted", 0L);
        m.put("connections_complete", 0L);
        m.put("connections_truncated", 0L);
        return m;
    }

    private static int order(String counter) {
        List<String> fixed = new ArrayList<>(List.of("connections_admitted", "connections_complete",
                "connections_truncated"));
        int i = fixed.indexOf(counter);
        return i >= 0 ? i : counter.startsWith("connections_abandoned_") ? 3 : 4;
    }

    private static String time(long micros) {
        return Instant.ofEpochSecond(0, micros * 1000).toString();
    }
}
