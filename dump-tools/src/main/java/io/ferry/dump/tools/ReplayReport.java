package io.ferry.dump.tools;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What {@code ferry dump replay} tells at the end of each pass and writes to {@code --report FILE}: the verdicts
 * counted, the latency percentiles of the target (first byte sent to first byte received) beside those captured
 * (first inbound record to first outbound record), and, in the JSON report, each connection's verdict.
 */
public final class ReplayReport {

    /** The outcome of one pass. */
    public record Pass(int number, List<Replay.Result> results, double seconds, boolean interrupted) {

        /** The results of these statuses, less those cut off by an interrupt ({@link Replay.Result#interrupted}). */
        public long count(Replay.Status... statuses) {
            return results.stream().filter(r -> !r.interrupted() && Arrays.asList(statuses).contains(r.status()))
                    .count();
        }

        /** The connections an interrupt cut off. */
        public long interruptedCount() {
            return results.stream().filter(Replay.Result::interrupted).count();
        }
    }

    /** A latency distribution in microseconds: count, p50, p90, p99, max (0 when count is 0). */
    public record Latency(int count, long p50, long p90, long p99, long max) {

        static Latency of(long[] micros) {
            long[] v = Arrays.stream(micros).filter(x -> x >= 0).sorted().toArray();
            if (v.length == 0) {
                return new Latency(0, 0, 0, 0, 0);
            }
            return new Latency(v.length, at(v, 0.50), at(v, 0.90), at(v, 0.99), v[v.length - 1]);
        }

        /** Nearest rank. */
        private static long at(long[] sorted, double q) {
            int i = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }
    }

    private ReplayReport() {
    }

    public static Latency target(List<Replay.Result> results) {
        return Latency.of(results.stream().mapToLong(Replay.Result::latencyMicros).toArray());
    }

    public static Latency captured(List<Replay.Result> results) {
        return Latency.of(results.stream().mapToLong(Replay.Result::capturedLatencyMicros).toArray());
    }

    /** The pass's final table: counts, rate, latency percentiles of the target beside the captured ones. */
    public static void table(Pass p, PrintStream out) {
        int n = p.results().size();
        long cut = p.interruptedCount();
        out.printf(Locale.ROOT, "pass %d%s: %d connections in %.1f s (%.0f connections/s): %d matched, %d not verified,"
                        + " %d mismatched, %d failed%s%n", p.number(), p.interrupted() ? " (interrupted)" : "", n,
                p.seconds(), p.seconds() > 0 ? n / p.seconds() : 0.0, p.count(Replay.Status.MATCHED),
                p.count(Replay.Status.NOT_VERIFIED, Replay.Status.NO_OUTBOUND), p.count(Replay.Status.MISMATCHED),
                p.count(Replay.Status.FAILED), cut == 0 ? "" : ", " + cut + " interrupted");
        Latency t = target(p.results());
        Latency c = captured(p.results());
        out.printf(Locale.ROOT, "  %-58s %8s %9s %9s %9s %9s%n", "latency, ms (first byte sent to first byte received)",
                "count", "p50", "p90", "p99", "max");
        row(out, "  target", t);
        row(out, "  captured (first inbound to first outbound record)", c);
    }

    private static void row(PrintStream out, String name, Latency l) {
        out.printf(Locale.ROOT, "  %-58s %8d %9.3f %9.3f %9.3f %9.3f%n", name.trim(), l.count(), l.p50() / 1e3,
                l.p90() / 1e3, l.p99() / 1e3, l.max() / 1e3);
    }

    /**
     * Writes the JSON report: the settings, each pass's counts and latency percentiles, and the per-connection
     * verdicts of the last pass ({@code partial} when Ctrl-C ended it).
     */
    public static void writeJson(Path file, String source, InetSocketAddress target, Replay.Options o,
                                 List<Pass> passes, boolean partial, int exitCode) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8), 1 << 16)) {
            w.write("{\n  \"source\": " + str(source) + ",\n  \"target\": "
                    + str(target.getHostString() + ":" + target.getPort()) + ",\n  \"speed\": "
                    + (o.speed() <= 0 ? "\"max\"" : num(o.speed())) + ",\n  \"concurrency\": " + o.concurrency()
                    + ",\n  \"rate\": " + (o.rate() <= 0 ? "null" : num(o.rate())) + ",\n  \"partial\": " + partial
                    + ",\n  \"exit_code\": " + exitCode + ",\n  \"passes\": [");
            for (int i = 0; i < passes.size(); i++) {
                Pass p = passes.get(i);
                w.write((i == 0 ? "\n" : ",\n") + "    {\"pass\": " + p.number() + ", \"interrupted\": "
                        + p.interrupted() + ", \"seconds\": " + num(p.seconds()) + ", \"connections\": "
                        + p.results().size() + ", \"matched\": " + p.count(Replay.Status.MATCHED)
                        + ", \"not_verified\": " + p.count(Replay.Status.NOT_VERIFIED, Replay.Status.NO_OUTBOUND)
                        + ", \"mismatched\": " + p.count(Replay.Status.MISMATCHED) + ", \"failed\": "
                        + p.count(Replay.Status.FAILED) + ", \"interrupted_connections\": " + p.interruptedCount()
                        + ",\n     \"latency_ms\": {\"target\": "
                        + latency(target(p.results())) + ", \"captured\": " + latency(captured(p.results())) + "}}");
            }
            w.write("\n  ],\n  \"connections\": [");
            List<Replay.Result> last = passes.isEmpty() ? List.of() : passes.get(passes.size() - 1).results();
            for (int i = 0; i < last.size(); i++) {
                Replay.Result r = last.get(i);
                w.write((i == 0 ? "\n" : ",\n") + "    {\"connection\": " + r.connection() + ", \"key\": "
                        + str(r.key()) + ", \"verdict\": " + str(r.interrupted() ? "interrupted" : verdict(r.status()))
                        + ", \"sent\": " + r.sent()
                        + ", \"received\": " + r.received() + ", \"detail\": " + str(r.detail())
                        + ", \"latency_ms\": " + ms(r.latencyMicros()) + ", \"captured_latency_ms\": "
                        + ms(r.capturedLatencyMicros()) + "}");
            }
            w.write("\n  ]\n}\n");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code matched}, {@code mismatched}, {@code not_verified} or {@code failed}. */
    public static String verdict(Replay.Status s) {
        return switch (s) {
            case MATCHED -> "matched";
            case MISMATCHED -> "mismatched";
            case NOT_VERIFIED, NO_OUTBOUND -> "not_verified";
            case FAILED -> "failed";
        };
    }

    private static String latency(Latency l) {
        return "{\"count\": " + l.count() + ", \"p50\": " + ms(l.p50()) + ", \"p90\": " + ms(l.p90()) + ", \"p99\": "
                + ms(l.p99()) + ", \"max\": " + ms(l.max()) + "}";
    }

    private static String ms(long micros) {
        return micros < 0 ? "null" : String.format(Locale.ROOT, "%.3f", micros / 1e3);
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(Locale.ROOT, "%.3f", d);
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /**
     * The progress line ({@code \r}-updated on a terminal): connections done of the total, open, rate, ETA; while the
     * pass waits for the next capture time ({@code --speed 1x}), what it waits for.
     */
    public static String progressLine(int pass, Replay.Progress p) {
        long now = System.nanoTime();
        double elapsed = Math.max(1e-9, (now - p.startedNanos()) / 1e9);
        double rate = p.done() / elapsed;
        StringBuilder sb = new StringBuilder();
        sb.append(pass > 1 ? "pass " + pass + ": " : "").append(p.done()).append('/').append(p.total())
                .append(" connections done, ").append(p.open()).append(" open, ")
                .append(String.format(Locale.ROOT, "%.0f/s", rate));
        long waiting = p.waitingUntilNanos() - now;
        if (p.waitingUntilNanos() != 0 && waiting > 0) {
            String at = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault())
                    .format(Instant.ofEpochSecond(0, p.waitingForMicros() * 1000));
            sb.append(String.format(Locale.ROOT, ", waiting %.1f s for the next capture at %s", waiting / 1e9, at));
        } else if (rate > 0 && p.done() < p.total()) {
            sb.append(", ETA ").append(duration((p.total() - p.done()) / rate));
        }
        return sb.toString();
    }

    private static String duration(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%dh%02dm", t / 3600, t % 3600 / 60)
                : t >= 60 ? String.format("%dm%02ds", t / 60, t % 60) : t + " s";
    }

    /** The last pass's results, or none. */
    static List<Replay.Result> lastResults(List<Pass> passes) {
        return passes.isEmpty() ? new ArrayList<>() : passes.get(passes.size() - 1).results();
    }
}
