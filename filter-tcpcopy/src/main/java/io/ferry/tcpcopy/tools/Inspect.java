package io.ferry.tcpcopy.tools;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;

/**
 * {@code ferry dump inspect}: one line per connection (id, listener, client and proxy addresses, windows, records
 * and bytes per direction, whether OPEN and CLOSE were seen, truncation), the capture's time span and its sampling
 * windows (id, time span, connections: the ids {@code --window} selects), then the drops recorded in the dump and any
 * damaged or cut-short record. When the connections carry their proxy instance (a Kafka topic), each line also shows
 * its key {@code INSTANCE/ID} (the instance and that proxy's own connection id), and a line before the table names the
 * selection if there is one.
 */
public final class Inspect {

    private Inspect() {
    }

    public static void print(Capture c, PrintStream out) {
        out.printf("%s: %s format, %d records, %d connections%n", c.source(), c.format(), c.records().size(),
                c.connections().size());
        if (!c.selection().isAll()) {
            out.println("selected: " + c.selection());
        }
        boolean keys = !c.instances().isEmpty();
        if (keys) {
            out.printf("instances: %d (%s)%n", c.instances().size(), String.join(", ", c.instances()));
        }
        String keyHead = keys ? String.format("%-28s ", "instance/conn") : "";
        out.printf("%-8s %s%-16s %-24s %-24s %-7s %15s %15s %-5s %-5s %s%n", "conn", keyHead, "listener", "client",
                "proxy", "windows", "inbound", "outbound", "open", "close", "truncated");
        for (Capture.Conn k : c.connections().values()) {
            String key = keys ? String.format("%-28s ", k.key()) : "";
            out.printf("%-8d %s%-16s %-24s %-24s %-7d %15s %15s %-5s %-5s %s%n", k.id, key, k.listener, k.remote,
                    k.local, k.windows.size(), k.inboundBytes + " B/" + k.inboundRecords,
                    k.outboundBytes + " B/" + k.outboundRecords, yes(k.openSeen), yes(k.closeSeen), yes(k.truncated));
        }
        if (!c.connections().isEmpty()) {
            long first = Long.MAX_VALUE;
            long last = 0;
            for (Capture.Conn k : c.connections().values()) {
                first = Math.min(first, k.firstMicros);
                last = Math.max(last, k.lastMicros);
            }
            out.printf("time: %s .. %s%n", Instant.ofEpochSecond(0, first * 1000), Instant.ofEpochSecond(0, last * 1000));
            printWindows(c, out);
        }
        if ("layotto".equals(c.format())) {
            out.println("note: a Layotto dump has no connections, directions or addresses; each (port, window) is shown"
                    + " as one pseudo-connection of inbound bytes");
        }
        if (c.dropped().isEmpty()) {
            out.println("drops recorded: none");
        } else {
            StringBuilder sb = new StringBuilder("drops recorded:");
            for (Map.Entry<String, Long> e : c.dropped().entrySet()) {
                sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
            }
            out.println(sb);
        }
        for (String p : c.problems()) {
            out.println("damaged: " + p);
        }
    }

    /** One line per sampling window: its id (what {@code --window} selects), time span and connections. */
    private static void printWindows(Capture c, PrintStream out) {
        Map<String, long[]> span = new java.util.LinkedHashMap<>();
        Map<String, java.util.Set<Long>> conns = new java.util.HashMap<>();
        for (io.ferry.tcpcopy.record.FerryRecord r : c.records()) {
            if (r.window() == null || r.window().isEmpty()) {
                continue;
            }
            long[] t = span.computeIfAbsent(r.window(), w -> new long[]{Long.MAX_VALUE, Long.MIN_VALUE});
            t[0] = Math.min(t[0], r.timeMicros());
            t[1] = Math.max(t[1], r.timeMicros());
            if (r.type() != io.ferry.tcpcopy.record.FerryRecord.DROPPED) {
                conns.computeIfAbsent(r.window(), w -> new java.util.HashSet<>()).add(r.connectionId());
            }
        }
        out.printf("windows: %d%n", span.size());
        for (Map.Entry<String, long[]> e : span.entrySet()) {
            int n = conns.getOrDefault(e.getKey(), java.util.Set.of()).size();
            out.printf("  %s  %s .. %s  %d connection%s%n", e.getKey(), Instant.ofEpochSecond(0, e.getValue()[0] * 1000),
                    Instant.ofEpochSecond(0, e.getValue()[1] * 1000), n, n == 1 ? "" : "s");
        }
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

}
