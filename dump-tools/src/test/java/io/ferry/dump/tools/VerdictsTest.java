package io.ferry.dump.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ferry dump inspect} of a tcp_mirror verdict log (filter-mirror's README, "Verdict log"). */
class VerdictsTest {

    @TempDir
    Path tmp;

    private static String line(String listener, long conn, String verdict, String detail, String reason,
                               long primaryUs, long shadowUs) {
        return "{\"v\":1,\"at\":\"2026-12-03T12:00:00Z\",\"listener\":\"" + listener + "\",\"connection\":" + conn
                + ",\"copy\":0,\"client\":\"127.0.0.1:5000\",\"cluster\":\"shadow\",\"shadow\":\"127.0.0.1:9001\","
                + "\"verdict\":\"" + verdict + "\",\"detail\":\"" + detail + "\",\"offset\":-1,\"reason\":\"" + reason
                + "\",\"primary_latency_us\":" + primaryUs + ",\"shadow_latency_us\":" + shadowUs + "}\n";
    }

    private Path log(String... lines) throws IOException {
        Path p = tmp.resolve("verdicts.jsonl");
        Files.writeString(p, String.join("", lines));
        return p;
    }

    private static String inspect(Path p) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Verdicts.inspect(p, new PrintStream(b, true, StandardCharsets.UTF_8));
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void countsVerdictsByKindListenerAndReasonAndListsTheOnesThatDiffer() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 100; i++) {
            sb.append(line("a", i, "matched", "matched", "", 100 + i, 200 + i));
        }
        sb.append(line("a", 101, "differs", "differs at byte 7 (primary 41, shadow 61)", "", 150, 250));
        sb.append(line("b", 1, "shadow_failed", "shadow failed: overflow", "overflow", 150, -1));
        sb.append(line("b", 2, "shadow_failed", "shadow failed: connect_failed", "connect_failed", 150, -1));
        Path p = log(sb.toString());
        assertTrue(Verdicts.isVerdictLog(p));
        Verdicts.Summary s = Verdicts.read(p);
        assertEquals(103, s.verdicts());
        assertEquals(Map.of("matched", 100L, "differs", 1L, "shadow_failed", 2L), s.byKind());
        assertEquals(Map.of("overflow", 1L, "connect_failed", 1L), s.failedBy());
        String out = inspect(p);
        assertTrue(out.contains("103 verdicts"), out);
        assertTrue(out.contains("listener a: differs=1 matched=100"), out);
        assertTrue(out.contains("listener b: shadow_failed=2"), out);
        assertTrue(out.contains("conn 101 copy 0  a  127.0.0.1:5000 -> 127.0.0.1:9001: differs at byte 7"), out);
        assertTrue(out.contains("not matched (3; the first 3)"), out);
        // the primary's p50 is near 151 µs (buckets of 5 %); the shadow's two failures sent nothing
        assertTrue(out.matches("(?s).*primary p50 1(4[4-9]|5[0-9]) .*"), out);
        assertTrue(out.contains("2 sent nothing"), out);
    }

    @Test
    void aBadLineIsOneErrorWithTheFileAndTheLine() throws IOException {
        Path p = log(line("a", 1, "matched", "matched", "", 1, 1), "{\"v\":1,\"listener\":\"a\"}\n",
                line("a", 3, "matched", "matched", "", 1, 1));
        IOException e = assertThrows(IOException.class, () -> Verdicts.read(p));
        assertEquals(p + ": line 2: field \"verdict\" is missing (expected: a string)",
                e.getMessage());

        Path q = log(line("a", 1, "matched", "matched", "", 1, 1), "not json at all\n",
                line("a", 3, "matched", "matched", "", 1, 1));
        e = assertThrows(IOException.class, () -> Verdicts.read(q));
        assertTrue(e.getMessage().startsWith(q + ": line 2: not a JSON object: not json at all"), e.getMessage());

        Path r = log("{\"v\":2,\"listener\":\"a\",\"verdict\":\"matched\"}\n");
        e = assertThrows(IOException.class, () -> Verdicts.read(r));
        assertTrue(e.getMessage().contains("line 1: verdict log format 2 (this reader knows format 1)"), e.getMessage());
    }

    @Test
    void aLastLineCutShortIsReportedAndTheRestIsRead() throws IOException {
        String whole = line("a", 1, "matched", "matched", "", 1, 1);
        Path p = log(whole, whole.substring(0, 40));
        Verdicts.Summary s = Verdicts.read(p);
        assertEquals(1, s.verdicts());
        assertTrue(inspect(p).contains("note: line 2 is cut short"));
    }

    @Test
    void dumpsAreNotMistakenForVerdictLogs() throws IOException {
        Path ferry = tmp.resolve("dump_tcp_copy.ferry");
        Files.write(ferry, new byte[] {'F', 'E', 'R', 'R', 'Y', 0, 1, 2});
        assertFalse(Verdicts.isVerdictLog(ferry));
        Path layotto = tmp.resolve("dump_tcp_copy.log");
        Files.writeString(layotto, "2026-12-03 12:00:00,000 [INFO] [w][2045]41 42\n");
        assertFalse(Verdicts.isVerdictLog(layotto));
        assertFalse(Verdicts.isVerdictLog(tmp));
    }
}
