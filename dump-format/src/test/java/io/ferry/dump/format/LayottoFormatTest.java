package io.ferry.dump.format;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LayottoFormatTest {

    private static String viaPrefix(long millis, ZoneId zone, String window, String port) {
        StringBuilder sb = new StringBuilder();
        LayottoFormat.prefix(sb, millis, zone);
        return sb.append('[').append(window).append("][").append(port).append(']').toString();
    }

    private static String viaHead(LayottoFormat.PayloadHead head, long millis, String window, String port) {
        byte[] out = new byte[head.maxLength(window, port)];
        int end = head.write(millis, window, port, out, 0);
        return new String(out, 0, end, StandardCharsets.UTF_8);
    }

    @Test
    void payloadHeadWritesWhatPrefixWrites() {
        ZoneId zone = ZoneId.of("Europe/Berlin");
        LayottoFormat.PayloadHead head = new LayottoFormat.PayloadHead(zone);
        // across the end of daylight saving time (2026-10-25 03:00 CEST -> 02:00 CET), one step of 7 ms at a time,
        // windows and ports changing on the way
        long start = Instant.parse("2026-10-25T00:59:58Z").toEpochMilli();
        for (long t = start; t < start + 4_000; t += 7) {
            String window = t < start + 2_000 ? "w-1" : "wïndow-2";
            String port = t < start + 3_000 ? "2045" : "unix:/tmp/s";
            assertEquals(viaPrefix(t, zone, window, port), viaHead(head, t, window, port), "at " + t);
        }
        assertEquals("2026-10-25 02:59:59,5 [INFO] [w][1]",
                viaHead(head, Instant.parse("2026-10-25T00:59:59.005Z").toEpochMilli(), "w", "1"));
        assertEquals("2026-10-25 02:00:00,0 [INFO] [w][1]",
                viaHead(head, Instant.parse("2026-10-25T01:00:00Z").toEpochMilli(), "w", "1"));
        assertEquals("2026-10-25 02:00:00,120 [INFO] [w][1]",
                viaHead(head, Instant.parse("2026-10-25T01:00:00.120Z").toEpochMilli(), "w", "1"));
    }
}
