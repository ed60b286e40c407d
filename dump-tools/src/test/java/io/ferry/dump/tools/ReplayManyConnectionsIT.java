package io.ferry.dump.tools;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.dump.spi.Selection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replays of many connections: bounded concurrency, every connection reported, the JSON report, exit codes. */
class ReplayManyConnectionsIT {

    @TempDir
    Path dir;

    @Test
    void fiveThousandConnectionsReplayWithBoundedConcurrencyAndAReportForEach() throws Exception {
        int n = 5000;
        int concurrency = 64;
        Path dump = DumpGenerator.interleaved(dir.resolve("many.ferry"), n, 64, 2);
        Capture c = Capture.scan(dump.toString(), Selection.ALL, false);
        assertEquals(n, c.connections().size());
        try (EchoServer echo = EchoServer.echo()) {
            Replay.Options o = new Replay.Options(echo.address(), 0, Set.of(), 5_000, 10_000, concurrency, 0, 2);
            List<Replay.Result> results;
            double seconds;
            try (Replay replay = Replay.prepare(c, o)) {
                long t0 = System.nanoTime();
                results = assertTimeoutPreemptively(Duration.ofSeconds(120), replay::pass);
                seconds = (System.nanoTime() - t0) / 1e9;
            }
            assertEquals(n, results.size(), "every connection is reported");
            Set<Long> ids = new HashSet<>();
            for (Replay.Result r : results) {
                assertEquals(Replay.Status.MATCHED, r.status(), r.toString());
                assertEquals(32, r.sent());
                assertTrue(r.latencyMicros() >= 0 && r.capturedLatencyMicros() == 10, r.toString());
                ids.add(r.connection());
            }
            assertEquals(n, ids.size());
            assertEquals(n, echo.accepted.get());
            assertTrue(echo.maxOpen.get() <= concurrency, "at most " + concurrency + " open at once: "
                    + echo.maxOpen.get());
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            assertEquals(0, Replay.summary(results, echo.address(), new PrintStream(text, true)));
            ReplayReport.Pass pass = new ReplayReport.Pass(1, results, seconds, false);
            ReplayReport.table(pass, new PrintStream(text, true));
            assertTrue(text.toString().contains("5000 matched, 0 not verified, 0 mismatched, 0 failed"), text.toString());

            Path json = dir.resolve("report.json");
            ReplayReport.writeJson(json, dump.toString(), echo.address(), o, List.of(pass), false, 0);
            JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            assertEquals(0, report.get("exit_code").getAsInt());
            assertEquals(false, report.get("partial").getAsBoolean());
            assertEquals(concurrency, report.get("concurrency").getAsInt());
            JsonObject p = report.getAsJsonArray("passes").get(0).getAsJsonObject();
            assertEquals(n, p.get("matched").getAsInt());
            assertEquals(n, p.getAsJsonObject("latency_ms").getAsJsonObject("target").get("count").getAsInt());
            assertEquals(0.010, p.getAsJsonObject("latency_ms").getAsJsonObject("captured").get("p99").getAsDouble(),
                    1e-9);
            JsonArray conns = report.getAsJsonArray("connections");
            assertEquals(n, conns.size());
            for (int i = 0; i < n; i++) {
                assertEquals("matched", conns.get(i).getAsJsonObject().get("verdict").getAsString());
            }
        }
    }

    @Test
    void aTargetThatAnswersDifferentlyGivesMismatchesExitCodeOneAndSaysSoInTheReport() throws Exception {
        int n = 300;
        Path dump = DumpGenerator.interleaved(dir.resolve("some.ferry"), n, 16, 1);
        Capture c = Capture.scan(dump.toString(), Selection.ALL, false);
        try (EchoServer other = new EchoServer(0, b -> {
            byte[] x = b.clone();
            x[0] ^= 1;
            return x;
        })) {
            Replay.Options o = new Replay.Options(other.address(), 0, Set.of(), 5_000, 10_000, 8, 0, 1);
            List<Replay.Result> results = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Replay.run(c, o));
            assertEquals(n, results.size());
            assertTrue(results.stream().allMatch(r -> r.status() == Replay.Status.MISMATCHED), results.get(0).toString());
            assertTrue(results.get(0).detail().startsWith("first difference at byte 0"), results.get(0).detail());
            assertEquals(1, Replay.exitCode(results));
            Path json = dir.resolve("report.json");
            ReplayReport.writeJson(json, dump.toString(), other.address(), o,
                    List.of(new ReplayReport.Pass(1, results, 1, false)), false, 1);
            JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            assertEquals(n, report.getAsJsonArray("passes").get(0).getAsJsonObject().get("mismatched").getAsInt());
            assertEquals("mismatched", report.getAsJsonArray("connections").get(7).getAsJsonObject().get("verdict")
                    .getAsString());
        }
    }

    @Test
    void stopEndsAPassAndReportsWhatIsDone() throws Exception {
        Path dump = DumpGenerator.interleaved(dir.resolve("slow.ferry"), 400, 8, 1);
        Capture c = Capture.scan(dump.toString(), Selection.ALL, false);
        try (EchoServer echo = EchoServer.echo()) {
            // the dump spans about 60 ms; at 0.01x, 6 s: a stop after 300 ms leaves most connections not started
            Replay.Options o = new Replay.Options(echo.address(), 0.01, Set.of(), 5_000, 10_000, 4, 0, 1);
            try (Replay replay = Replay.prepare(c, o)) {
                Thread stopper = new Thread(() -> {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException ignored) {
                        return;
                    }
                    replay.stop();
                });
                stopper.start();
                List<Replay.Result> results = assertTimeoutPreemptively(Duration.ofSeconds(30), replay::pass);
                assertTrue(replay.stopped());
                assertTrue(results.size() < 400, "stopped early: " + results.size());
                assertTrue(results.stream().allMatch(r -> r.status() == Replay.Status.MATCHED
                        || r.status() == Replay.Status.FAILED && r.detail().equals("interrupted")), results.toString());
            }
        }
    }
}
