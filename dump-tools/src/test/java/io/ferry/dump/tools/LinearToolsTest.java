package io.ferry.dump.tools;

import io.ferry.dump.spi.Selection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A guard against quadratic behaviour (the figures themselves are in dump-tools/README.md): inspecting and converting
 * a dump of 3,000 one-byte connections, and a Layotto file of 3,000 windows, take well under a second each; the bound
 * here is generous.
 */
class LinearToolsTest {

    @TempDir
    Path dir;

    @Test
    void threeThousandTinyConnectionsAreInspectedAndConvertedInSeconds() throws Exception {
        Path f = DumpGenerator.tiny(dir.resolve("tiny.ferry"), 3000, 1);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            Capture c = Capture.scan(f.toString(), Selection.ALL, true);
            assertEquals(3000, c.connections().size());
            Inspect.print(c, new PrintStream(OutputStream.nullOutputStream()));
            assertEquals(3000 * 8, PcapConverter.convert(c, dir.resolve("tiny.pcapng")));
        });
    }

    @Test
    void aLayottoFileOfThreeThousandWindowsIsInspectedAndConvertedInSeconds() throws Exception {
        Path f = DumpGenerator.layotto(dir.resolve("dump_tcp_copy.log"), 3000);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            Capture c = Capture.scan(f.toString(), Selection.ALL, true);
            assertEquals(3000, c.connections().size());
            assertEquals(false, c.keepsRecords(), "a Layotto file is read again, not kept");
            Inspect.print(c, new PrintStream(OutputStream.nullOutputStream()));
            assertEquals(3000 * 5, PcapConverter.convert(c, dir.resolve("l.pcapng")));
        });
    }
}
