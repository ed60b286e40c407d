package io.ferry.dump.format;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example in docs/dump-format.md is what the encoder writes, byte for byte, and the reader reads it back: the
 * document cannot drift from the code.
 */
class DumpFormatDocumentTest {

    static final String INSTANCE = "ferry-1/4242/00c0ffee";
    /** 2023-11-14T22:13:20Z in microseconds. */
    static final long T = 1_700_000_000_000_000L;

    static byte[] example() throws Exception {
        Endpoint client = Endpoint.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 50312));
        Endpoint proxy = Endpoint.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 2045));
        byte[] hi = "hi".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(FerryFormat.header(INSTANCE));
        out.writeBytes(FerryFormat.encode(FerryRecord.open(T, 5, "w", "l", client, proxy, false, 0, 0)));
        out.writeBytes(FerryFormat.encode(FerryRecord.data(T, 5, FerryRecord.INBOUND, "w", "l", 0, hi)));
        out.writeBytes(FerryFormat.encode(FerryRecord.data(T + 250, 5, FerryRecord.OUTBOUND, "w", "l", 0, hi)));
        out.writeBytes(FerryFormat.encode(FerryRecord.close(T + 1000, 5, "w", "l", 2, 2)));
        return out.toByteArray();
    }

    /** {@code xxd} of {@code bytes}: offset, eight groups of two bytes, the ASCII column. */
    static List<String> xxd(byte[] bytes) {
        List<String> lines = new ArrayList<>();
        for (int off = 0; off < bytes.length; off += 16) {
            StringBuilder hex = new StringBuilder();
            StringBuilder text = new StringBuilder();
            for (int i = off; i < Math.min(off + 16, bytes.length); i++) {
                hex.append(String.format("%02x", bytes[i] & 0xff));
                if ((i - off) % 2 == 1) {
                    hex.append(' ');
                }
                char c = (char) (bytes[i] & 0xff);
                text.append(c >= 0x20 && c < 0x7f ? c : '.');
            }
            lines.add(String.format("%08x: %-40s %s", off, hex, text).stripTrailing());
        }
        return lines;
    }

    @Test
    void theDocumentsHexDumpIsWhatTheEncoderWrites() throws Exception {
        Path doc = Path.of("..", "docs", "dump-format.md");
        String text = Files.readString(doc);
        int start = text.indexOf("```\n00000000: ");
        assertTrue(start >= 0, "the example's hex dump in " + doc);
        int end = text.indexOf("```", start + 3);
        List<String> documented = new ArrayList<>();
        for (String line : text.substring(start + 4, end).split("\n")) {
            String l = line.stripTrailing();
            int comment = l.indexOf("   ", 60);
            documented.add((comment > 0 ? l.substring(0, comment) : l).stripTrailing());
        }
        List<String> actual = xxd(example());
        assertEquals(String.join("\n", actual), String.join("\n", documented),
                "docs/dump-format.md's example (left) must be the encoder's output");
    }

    @Test
    void theExampleReadsBack() throws Exception {
        Path f = Files.createTempFile("example", ".ferry");
        try {
            Files.write(f, example());
            try (FerryReader r = FerryReader.open(f)) {
                assertEquals(INSTANCE, r.instance());
                List<Integer> types = new ArrayList<>();
                for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                    types.add(rec.type());
                }
                assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.DATA, FerryRecord.CLOSE), types);
                assertEquals(List.of(), r.problems());
            }
        } finally {
            Files.delete(f);
        }
    }
}
