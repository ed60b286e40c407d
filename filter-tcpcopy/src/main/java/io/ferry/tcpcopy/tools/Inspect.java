package io.ferry.tcpcopy.tools;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;

/**
 * {@code ferry dump inspect}: one line per connection (id, listener, client and proxy addresses, windows, records
 * and bytes per direction, whether OPEN and CLOSE were seen, truncation), then the drops recorded in the dump and any
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

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

}
