package io.ferry.dump.tools;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ferry dump inspect} of a {@code tcp_mirror} verdict log: the JSON lines the mirror writes to its
 * {@code verdict_log} file, one per shadow connection (format 1, documented in filter-mirror's README, "Verdict log").
 * Prints the verdicts counted by kind and by listener, the abandonments by reason, the first-answer latency
 * percentiles of the primary and of the shadow, and the first {@value #SHOWN} verdicts that are not {@code matched}.
 *
 * <p>The file is read line by line: memory does not grow with its length (the latencies are kept in a histogram of
 * fixed size, so the percentiles are exact to within {@value #BUCKET_PERCENT} %). A line that is not a verdict (not
 * JSON, not an object, a missing or mistyped field, a format version this reader does not know) stops the read with
 * an {@link IOException} naming the file and the line; a last line cut short by a proxy that was killed mid-write is
 * reported as such and the verdicts before it are still printed.
 */
public final class Verdicts {

    /** How many verdicts that are not {@code matched} are listed. */
    static final int SHOWN = 20;
    static final int BUCKET_PERCENT = 5;
    private static final int FORMAT = 1;

    private Verdicts() {
    }

    /**
     * Whether {@code path} is a verdict log: a regular file named {@code *.jsonl}, or one whose first line that is not
     * blank is a JSON object with a {@code "verdict"} field. Reads at most that first line.
     */
    public static boolean isVerdictLog(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        if (path.getFileName().toString().endsWith(".jsonl")) {
            return true; // even while still empty
        }
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            char[] head = new char[4096];
            int n = r.read(head);
            if (n <= 0) {
                return false;
            }
            String s = new String(head, 0, n).stripLeading();
            int eol = s.indexOf('\n');
            String first = eol < 0 ? s : s.substring(0, eol);
            return first.startsWith("{") && first.contains("\"verdict\"");
        } catch (IOException | RuntimeException e) {
            return false; // not text: the dump readers say what it is
        }
    }

    /** The summary of a verdict log, as {@link #inspect} prints it. */
    public static final class Summary {
        long verdicts;
        final Map<String, Long> byKind = new TreeMap<>();
        final Map<String, Map<String, Long>> byListener = new TreeMap<>();
        final Map<String, Long> failedBy = new TreeMap<>();
        final Histogram primary = new Histogram();
        final Histogram shadow = new Histogram();
        final List<String> notMatched = new ArrayList<>();
        long notMatchedTotal;
        String cutShort;

        public long verdicts() {
            return verdicts;
        }

        public Map<String, Long> byKind() {
            return byKind;
        }

        public Map<String, Long> failedBy() {
            return failedBy;
        }
    }

    /** Reads the verdict log at {@code path}. */
    public static Summary read(Path path) throws IOException {
        Summary s = new Summary();
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            String pending = null;
            long pendingLine = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (pending != null) {
                    throw bad(path, pendingLine, "not a JSON object: " + excerpt(pending));
                }
                if (line.isBlank()) {
                    continue;
                }
                JsonObject o;
                try {
                    JsonElement e = JsonParser.parseString(line);
                    if (!e.isJsonObject()) {
                        throw bad(path, n, "not a JSON object: " + excerpt(line));
                    }
                    o = e.getAsJsonObject();
                } catch (JsonParseException e) {
                    pending = line; // the last line may have been cut short by a kill: judged at the next line
                    pendingLine = n;
                    continue;
                }
                add(s, o, path, n);
            }
            if (pending != null) {
                s.cutShort = "line " + pendingLine + " is cut short (the proxy stopped while writing it?): "
                        + excerpt(pending);
            }
        }
        return s;
    }

    private static void add(Summary s, JsonObject o, Path path, long n) throws IOException {
        long v = number(o, "v", path, n);
        if (v != FORMAT) {
            throw bad(path, n, "verdict log format " + v + " (this reader knows format " + FORMAT + ")");
        }
        String kind = text(o, "verdict", path, n);
        String listener = text(o, "listener", path, n);
        s.verdicts++;
        s.byKind.merge(kind, 1L, Long::sum);
        s.byListener.computeIfAbsent(listener, k -> new TreeMap<>()).merge(kind, 1L, Long::sum);
        if ("shadow_failed".equals(kind)) {
            String reason = o.has("reason") ? text(o, "reason", path, n) : "";
            s.failedBy.merge(reason.isEmpty() ? "unknown" : reason, 1L, Long::sum);
        }
        if (o.has("primary_latency_us")) {
            s.primary.add(number(o, "primary_latency_us", path, n));
        }
        if (o.has("shadow_latency_us")) {
            s.shadow.add(number(o, "shadow_latency_us", path, n));
        }
        if (!"matched".equals(kind)) {
            s.notMatchedTotal++;
            if (s.notMatched.size() < SHOWN) {
                String detail = o.has("detail") ? text(o, "detail", path, n) : kind;
                s.notMatched.add(String.format("conn %s copy %s  %s  %s -> %s: %s",
                        o.has("connection") ? number(o, "connection", path, n) : "?",
                        o.has("copy") ? number(o, "copy", path, n) : "?", listener,
                        o.has("client") ? text(o, "client", path, n) : "?",
                        o.has("shadow") && !text(o, "shadow", path, n).isEmpty() ? text(o, "shadow", path, n)
                                : "(no shadow host)", detail));
            }
        }
    }

    /** Prints the summary of the verdict log at {@code path}. */
    public static void inspect(Path path, PrintStream out) throws IOException {
        Summary s = read(path);
        out.printf("%s: tcp_mirror verdict log (format %d), %d verdicts%n", path, FORMAT, s.verdicts);
        out.printf("%-16s %10s%n", "verdict", "count");
        for (Map.Entry<String, Long> e : s.byKind.entrySet()) {
            out.printf("%-16s %10d%n", e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Map<String, Long>> e : s.byListener.entrySet()) {
            StringBuilder sb = new StringBuilder("listener ").append(e.getKey()).append(':');
            e.getValue().forEach((k, c) -> sb.append(' ').append(k).append('=').append(c));
            out.println(sb);
        }
        if (!s.failedBy.isEmpty()) {
            StringBuilder sb = new StringBuilder("shadow failed by reason:");
            s.failedBy.forEach((k, c) -> sb.append(' ').append(k).append('=').append(c));
            out.println(sb);
        }
        out.println("first-answer latency, µs (within " + BUCKET_PERCENT + " %): primary " + s.primary.describe()
                + "; shadow " + s.shadow.describe());
        if (s.notMatchedTotal > 0) {
            out.printf("not matched (%d; the first %d):%n", s.notMatchedTotal, s.notMatched.size());
            for (String line : s.notMatched) {
                out.println("  " + line);
            }
        }
        if (s.cutShort != null) {
            out.println("note: " + s.cutShort);
        }
    }

    private static String text(JsonObject o, String field, Path path, long n) throws IOException {
        JsonElement e = o.get(field);
        if (e instanceof JsonPrimitive p && p.isString()) {
            return p.getAsString();
        }
        throw new IOException(path + ": line " + n + ": field \"" + field + "\" is " + (e == null ? "missing" : e)
                + " (expected: a string)");
    }

    private static long number(JsonObject o, String field, Path path, long n) throws IOException {
        JsonElement e = o.get(field);
        if (e instanceof JsonPrimitive p && p.isNumber()) {
            double d = p.getAsDouble();
            if (d == Math.rint(d) && Math.abs(d) < 9e15) {
                return (long) d;
            }
        }
        throw new IOException(path + ": line " + n + ": field \"" + field + "\" is " + (e == null ? "missing" : e)
                + " (expected: an integer)");
    }

    private static IOException bad(Path path, long line, String what) {
        return new IOException(path + ": line " + line + ": " + what + " (expected: a tcp_mirror verdict line)");
    }

    private static String excerpt(String line) {
        return line.length() <= 60 ? line : line.substring(0, 60) + "...";
    }

    /** Latencies in µs in buckets growing by 5 %, from 1 µs to about 18 hours: fixed size, whatever the count. */
    static final class Histogram {
        private static final double GROWTH = 1 + BUCKET_PERCENT / 100.0;
        private static final int BUCKETS = 1 + (int) Math.ceil(Math.log(6.5e10) / Math.log(GROWTH));
        private final long[] counts = new long[BUCKETS];
        private long n;
        private long none;

        void add(long micros) {
            if (micros < 0) {
                none++; // that side sent nothing
                return;
            }
            int b = micros <= 1 ? 0 : Math.min(BUCKETS - 1, 1 + (int) (Math.log(micros) / Math.log(GROWTH)));
            counts[b]++;
            n++;
        }

        long percentile(double p) {
            long rank = (long) Math.ceil(p / 100.0 * n);
            long seen = 0;
            for (int b = 0; b < BUCKETS; b++) {
                seen += counts[b];
                if (seen >= rank) {
                    return b == 0 ? 1 : Math.round(Math.pow(GROWTH, b));
                }
            }
            return 0;
        }

        String describe() {
            if (n == 0) {
                return "no answers" + (none > 0 ? " (" + none + " sent nothing)" : "");
            }
            return "p50 " + percentile(50) + " p90 " + percentile(90) + " p99 " + percentile(99) + " max "
                    + percentile(100) + " (" + n + " answers" + (none > 0 ? ", " + none + " sent nothing" : "") + ")";
        }
    }
}
