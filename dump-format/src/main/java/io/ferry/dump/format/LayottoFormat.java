package io.ferry.dump.format;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;

/**
 * Layotto's dump lines (persistence/persistence.go:155-191), after MOSN's log prefix
 * {@code YYYY-MM-DD hh:mm:ss,<milliseconds, not zero-padded> [INFO] }, in the local time zone:
 * <pre>
 * dump_tcp_copy.log       2024-05-06 07:08:09,5 [INFO] [3f2b…-…][2045]47 45 54 20 2f
 * dump_portrait_data.log  2024-05-06 07:08:09,50 [INFO] [3f2b…-…][RPC][2045]{"service":"echo"}
 * dump_mem_dump.log       2024-05-06 07:08:09,50 [INFO] [3f2b…-…]{"listener":…}   or   …[3f2b…-…]no_change
 * </pre>
 * Payload bytes are lower-case hex, two digits each, separated by one space (Go's {@code % x}).
 */
public final class LayottoFormat {

    public static final String TCP_COPY_FILE = "dump_tcp_copy.log";
    public static final String PORTRAIT_FILE = "dump_portrait_data.log";
    public static final String MEM_DUMP_FILE = "dump_mem_dump.log";

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LayottoFormat() {
    }

    /** MOSN's DefaultFormatter prefix for an INFO line, ending with a space. */
    public static void prefix(StringBuilder sb, long millis, ZoneId zone) {
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), zone);
        sb.append(t.getYear()).append('-');
        two(sb, t.getMonthValue()).append('-');
        two(sb, t.getDayOfMonth()).append(' ');
        two(sb, t.getHour()).append(':');
        two(sb, t.getMinute()).append(':');
        two(sb, t.getSecond()).append(',');
        sb.append(Math.floorMod(millis, 1000L)).append(" [INFO] ");
    }

    /**
     * Writes the payload as space-separated lower-case hex into {@code out} from {@code pos}, which must have room for
     * {@code 3 * bytes.length} bytes; returns the position after the last byte written.
     */
    public static int hex(byte[] bytes, byte[] out, int pos) {
        return hex(bytes, bytes.length, out, pos);
    }

    /** {@link #hex(byte[], byte[], int)} of {@code bytes[0, length)}. */
    public static int hex(byte[] bytes, int length, byte[] out, int pos) {
        for (int i = 0; i < length; i++) {
            if (i > 0) {
                out[pos++] = ' ';
            }
            int b = bytes[i] & 0xff;
            out[pos++] = (byte) HEX[b >>> 4];
            out[pos++] = (byte) HEX[b & 0xf];
        }
        return pos;
    }

    /** {@code [window][businessType][port]json}. */
    public static void portrait(StringBuilder sb, String window, String businessType, String port, String json) {
        sb.append('[').append(window).append("][").append(businessType).append("][").append(port).append(']').append(json);
    }

    /** {@code [window]config} or {@code [window]no_change}. */
    public static void memDump(StringBuilder sb, String window, String configOrNoChange) {
        sb.append('[').append(window).append(']').append(configOrNoChange);
    }

    /**
     * Writes the head of {@code dump_tcp_copy.log} lines ({@code <MOSN prefix>[window][port]}) straight into a byte
     * array, without building a string per line: the date and time part is formatted once per second and the
     * {@code [window][port]} part once per window. Gives the same bytes as {@link #prefix} followed by
     * {@code [window][port]}. One instance per writer thread; not thread-safe.
     */
    public static final class PayloadHead {

        private final ZoneId zone;
        private long second = Long.MIN_VALUE;
        private byte[] secondText = new byte[0];
        private String window;
        private String port;
        private byte[] tail = new byte[0];

        public PayloadHead(ZoneId zone) {
            this.zone = zone;
        }

        /** The most bytes {@link #write} writes for this window and port (the millisecond digits vary). */
        public int maxLength(String window, String port) {
            return 24 + " [INFO] ".length() + window.length() * 3 + port.length() * 3 + 4;
        }

        /** Writes the head at {@code pos} (room: {@link #maxLength}); returns the position after it. */
        public int write(long millis, String window, String port, byte[] out, int pos) {
            long s = Math.floorDiv(millis, 1000L);
            if (s != second) {
                StringBuilder sb = new StringBuilder(24);
                prefix(sb, s * 1000L, zone);
                String text = sb.toString();
                secondText = text.substring(0, text.lastIndexOf(',') + 1).getBytes(StandardCharsets.US_ASCII);
                second = s;
            }
            if (!window.equals(this.window) || !port.equals(this.port)) {
                tail = (" [INFO] [" + window + "][" + port + "]").getBytes(StandardCharsets.UTF_8);
                this.window = window;
                this.port = port;
            }
            System.arraycopy(secondText, 0, out, pos, secondText.length);
            pos += secondText.length;
            int ms = (int) Math.floorMod(millis, 1000L);   // not zero-padded, as MOSN writes it
            if (ms >= 100) {
                out[pos++] = (byte) ('0' + ms / 100);
            }
            if (ms >= 10) {
                out[pos++] = (byte) ('0' + ms / 10 % 10);
            }
            out[pos++] = (byte) ('0' + ms % 10);
            System.arraycopy(tail, 0, out, pos, tail.length);
            return pos + tail.length;
        }
    }

    private static StringBuilder two(StringBuilder sb, int v) {
        return v < 10 ? sb.append('0').append(v) : sb.append(v);
    }
}
