package io.ferry.dump.tools;

import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.DumpSource;
import io.ferry.dump.spi.Selection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A {@link DumpSource} delivers its records once; scanning one holds its summaries, not its bytes: 512 MiB of records
 * from {@link Big} are scanned and read again in a JVM of 64 MiB of heap.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SourceMemoryIT {

    static final int CONNECTIONS = 64;
    static final int RECORDS_PER_CONNECTION = 64;
    static final int PAYLOAD = 128 * 1024;

    /** {@code test-big://}: 64 connections of 64 DATA records of 128 KiB each. */
    public static final class Big implements DumpSource {
        @Override
        public String scheme() {
            return "test-big";
        }

        @Override
        public void read(String location, Selection selection, Records out) {
            byte[] payload = new byte[PAYLOAD];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (i * 31 + 7);
            }
            long t = CaptureSelectionTest.T0;
            for (int c = 1; c <= CONNECTIONS; c++) {
                out.record("big", FerryRecord.open(t++, c, "w", "l", CaptureSelectionTest.CLIENT,
                        CaptureSelectionTest.PROXY, false, 0, 0));
            }
            for (int r = 0; r < RECORDS_PER_CONNECTION; r++) {
                for (int c = 1; c <= CONNECTIONS; c++) {
                    out.record("big", FerryRecord.data(t++, c, FerryRecord.INBOUND, "w", "l", (long) r * PAYLOAD,
                            payload.clone()));     // a new array each, as a real source decodes them
                }
            }
            for (int c = 1; c <= CONNECTIONS; c++) {
                out.record("big", FerryRecord.close(t++, c, "w", "l", (long) RECORDS_PER_CONNECTION * PAYLOAD, 0));
            }
        }
    }

    /** Run in the child JVM: scans {@code test-big://}, reads it again, prints what it saw. */
    public static void main(String[] args) throws Exception {
        try (Capture c = Capture.scan("test-big://x", Selection.ALL, true, List.of(new Big()))) {
            long[] seen = new long[2];
            c.forEachRecord((conn, r, last) -> {
                if (r.type() == FerryRecord.DATA) {
                    seen[0] += r.payload().length;
                    seen[1] += r.payload()[PAYLOAD - 1];
                }
            });
            long complete = c.connections().values().stream().filter(k -> k.status().complete()).count();
            System.out.println("connections " + c.connections().size() + " complete " + complete + " bytes " + seen[0]
                    + " check " + seen[1]);
        }
    }

    @Test
    void halfAGigabyteFromASourceIsScannedAndReadAgainIn64MiBOfHeap() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                SourceMemoryIT.class.getName()).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        int rc = p.waitFor();
        String text = out.toString(StandardCharsets.UTF_8).trim();
        long bytes = (long) CONNECTIONS * RECORDS_PER_CONNECTION * PAYLOAD;
        long check = (long) CONNECTIONS * RECORDS_PER_CONNECTION * (byte) ((PAYLOAD - 1) * 31 + 7);
        assertEquals(0, rc, text);
        assertEquals("connections 64 complete 64 bytes " + bytes + " check " + check,
                text.lines().reduce((a, b) -> b).orElse(""), text);
    }
}
