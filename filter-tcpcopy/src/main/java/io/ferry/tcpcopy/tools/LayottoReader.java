package io.ferry.tcpcopy.tools;

import io.ferry.tcpcopy.record.FerryRecord;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * the MOSN prefix (milliseconds, local time zone). Lines that do not parse are reported and skipped.
 */
public final class LayottoReader {

    private static final Pattern LINE = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}),(\\d{1,3}) \\[[A-Z]+\\] \\[([^\\]]*)\\]\\[([^\\]]*)\\](.*)$");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private LayottoReader() {
    }

    /** Calls {@code sink} for each line as a {@code DATA} record; {@code problems} gets one message per bad line. */
    public static void read(Path file, Consumer<FerryRecord> sink, Consumer<String> problems) throws IOException {
        Map<String, Long> ids = new HashMap<>();
        Map<String, Long> offsets = new HashMap<>();
        ZoneId zone = ZoneId.systemDefault();
        int lineNo = 0;
        int bad = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                Matcher m = LINE.matcher(line);
                byte[] payload = m.matches() ? hex(m.group(5)) : null;
                if (payload == null) {
                    if (bad++ < 3) {
                        problems.accept(file + ":" + lineNo + ": not a Layotto dump_tcp_copy.log line "
                                + "(expected: \"YYYY-MM-DD hh:mm:ss,ms [INFO] [window][port]hex bytes\")");
                    }
                    continue;
                }
                long millis = LocalDateTime.parse(m.group(1), TIME).atZone(zone).toInstant().toEpochMilli()
                        + Long.parseLong(m.group(2));
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
