package io.ferry.dump.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Layotto's {@code dump_tcp_copy.log} ({@code <MOSN prefix>[window][port]hex bytes}) as far as its information
 * goes: it has no connection, no direction and no addresses, so each (port, window) pair becomes one pseudo-connection
 * (ids 1, 2, … in order of first appearance) whose lines are its inbound bytes in file order. Timestamps come from
 * the MOSN prefix (milliseconds, local time zone). Lines that do not parse (no MOSN prefix, a date that does not
 * exist, hex that is not two-digit pairs, a port that is neither a TCP port nor a listener name) are reported with
 * their line number and skipped; the first three one by one, then a count.
 */
public final class LayottoReader {

    private static final Pattern LINE = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}),(\\d{1,3}) \\[[A-Z]+\\] \\[([^\\]]*)\\]\\[([^\\]]*)\\](.*)$");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss")
            .withResolverStyle(java.time.format.ResolverStyle.STRICT);
    /** A listener port: digits, or a unix listener's name as tcpcopy writes it (no brackets, no spaces). */
    private static final Pattern PORT = Pattern.compile("[A-Za-z0-9_.:@/+-]{1,255}");

    private LayottoReader() {
    }

    /** The longest line read; a longer one (not a Layotto line: binary garbage?) is reported and skipped. */
    public static final int MAX_LINE = 64 << 20;

    /** Calls {@code sink} for each line as a {@code DATA} record; {@code problems} gets one message per bad line. */
    public static void read(Path file, Consumer<FerryRecord> sink, Consumer<String> problems) throws IOException {
        read(file, Long.MAX_VALUE, sink, problems);
    }

    /**
     * As {@link #read(Path, Consumer, Consumer)}, reading no further than the file's first {@code limit} bytes (the
     * length it had when it was read before, so that a second pass sees the same lines). Streams: one line at a time.
     */
    public static void read(Path file, long limit, Consumer<FerryRecord> sink, Consumer<String> problems)
            throws IOException {
        Map<String, Long> ids = new HashMap<>();
        Map<String, Long> offsets = new HashMap<>();
        ZoneId zone = ZoneId.systemDefault();
        int lineNo = 0;
        int bad = 0;
        try (Lines in = new Lines(Files.newInputStream(file), limit)) {
            for (String line = in.next(); line != null; line = in.next()) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                String why = null;
                if (in.tooLong) {
                    why = "a line longer than " + (MAX_LINE >> 20) + " MiB (not a Layotto dump_tcp_copy.log line)";
                    line = "";
                }
                Matcher m = LINE.matcher(line);
                byte[] payload = null;
                long millis = 0;
                if (why != null) {
                    // reported below
                } else if (!m.matches()) {
                    why = "not a Layotto dump_tcp_copy.log line (expected: \"YYYY-MM-DD hh:mm:ss,ms [INFO] "
                            + "[window][port]hex bytes\")";
                } else if ((payload = hex(m.group(5))) == null) {
                    why = "bytes \"" + abbreviate(m.group(5)) + "\" (expected: two-digit hex pairs separated by "
                            + "spaces)";
                } else if (!PORT.matcher(m.group(4)).matches() || m.group(4).matches("\\d+")
                        && (m.group(4).length() > 5 || Integer.parseInt(m.group(4)) > 65535)) {
                    why = "port \"" + abbreviate(m.group(4)) + "\" (expected: a TCP port 0-65535 or a unix listener"
                            + " name)";
                } else {
                    try {
                        millis = LocalDateTime.parse(m.group(1), TIME).atZone(zone).toInstant().toEpochMilli()
                                + Long.parseLong(m.group(2));
                    } catch (DateTimeException e) {
                        why = "time \"" + m.group(1) + "," + m.group(2) + "\" (expected: a date and time that exist,"
                                + " YYYY-MM-DD hh:mm:ss,ms)";
                    }
                }
                if (why != null) {
                    if (bad++ < 3) {
                        problems.accept(file + ":" + lineNo + ": " + why + "; the line is skipped");
                    }
                    continue;
                }
                String window = m.group(3);
                String port = m.group(4);
                String key = port + "\n" + window;
                long id = ids.computeIfAbsent(key, k -> (long) ids.size() + 1);
                long offset = offsets.merge(key, (long) payload.length, Long::sum) - payload.length;
                sink.accept(FerryRecord.data(millis * 1000, id, FerryRecord.INBOUND, window, "port " + port, offset,
                        payload));
            }
        }
        if (bad > 3) {
            problems.accept(file + ": " + bad + " lines in all could not be read");
        }
    }

    /** Lines of ISO-8859-1 text, each at most {@link #MAX_LINE} bytes (a longer one is skipped, flagged). */
    private static final class Lines implements AutoCloseable {
        private final java.io.InputStream in;
        private long left;
        private byte[] buf = new byte[256];
        boolean tooLong;

        Lines(java.io.InputStream in, long limit) {
            // reads in chunks of its own
            this.in = in;
            this.left = limit;
        }

        private final byte[] chunk = new byte[1 << 16];
        private int pos;
        private int end;

        String next() throws IOException {
            int n = 0;
            tooLong = false;
            boolean any = false;
            while (true) {
                if (pos == end) {
                    if (left <= 0) {
                        break;
                    }
                    int r = in.read(chunk, 0, (int) Math.min(chunk.length, left));
                    if (r <= 0) {
                        left = 0;
                        break;
                    }
                    left -= r;
                    pos = 0;
                    end = r;
                }
                any = true;
                int nl = pos;
                while (nl < end && chunk[nl] != '\n') {
                    nl++;
                }
                int k = nl - pos;
                if (!tooLong && n + k > MAX_LINE) {
                    tooLong = true;
                }
                if (!tooLong) {
                    if (n + k > buf.length) {
                        buf = java.util.Arrays.copyOf(buf, Math.min(MAX_LINE, Math.max(n + k, buf.length * 2)));
                    }
                    System.arraycopy(chunk, pos, buf, n, k);
                    n += k;
                }
                if (nl < end) {
                    pos = nl + 1;
                    break;
                }
                pos = end;
            }
            if (!any) {
                return null;
            }
            if (tooLong) {
                return "x";
            }
            if (n > 0 && buf[n - 1] == '\r') {
                n--;
            }
            return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** Space-separated two-digit hex; null if malformed. */
    static byte[] hex(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            return new byte[0];
        }
        if ((t.length() + 1) % 3 != 0) {
            return null;
        }
        byte[] out = new byte[(t.length() + 1) / 3];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(t.charAt(3 * i), 16);
            int lo = Character.digit(t.charAt(3 * i + 1), 16);
            if (hi < 0 || lo < 0 || (i + 1 < out.length && t.charAt(3 * i + 2) != ' ')) {
                return null;
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }
}
