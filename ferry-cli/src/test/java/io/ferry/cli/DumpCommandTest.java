package io.ferry.cli;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ferry dump}: arguments, exit codes and messages. */
class DumpCommandTest {

    @TempDir
    Path dir;

    private Path dump() throws Exception {
        Path f = dir.resolve(FerryFormat.FILE);
        try (OutputStream out = Files.newOutputStream(f)) {
            out.write(FerryFormat.header("host/1/ab"));
            out.write(FerryFormat.encode(FerryRecord.open(1, 3, "w", "l", Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT,
                    false, 0, 0)));
            out.write(FerryFormat.encode(FerryRecord.data(2, 3, FerryRecord.INBOUND, "w", "l", 0, new byte[] {1, 2})));
        }
        return f;
    }

    @Test
    void usageErrorsExitTwoAndSayWhatWasExpected() throws Exception {
        CliRun r = CliRun.ferry("dump");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("dump: missing subcommand (expected: inspect, pcap or replay)"), r.err());
        r = CliRun.ferry("dump", "convert");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("dump: unknown subcommand convert (expected: inspect, pcap or replay)"), r.err());
        String f = dump().toString();
        r = CliRun.ferry("dump", "replay", f);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("dump replay: missing --target HOST:PORT"), r.err());
        r = CliRun.ferry("dump", "replay", f, "--target", "127.0.0.1:1", "--speed", "fast");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--speed fast (expected: 1x, 10x, another factor like 2.5x, or max)"), r.err());
        r = CliRun.ferry("dump", "replay", f, "--target", "localhost");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--target localhost (expected: HOST:PORT, e.g. 127.0.0.1:8080)"), r.err());
        r = CliRun.ferry("dump", "replay", f, "--target", "127.0.0.1:1", "--concurrency", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--concurrency 0 (expected: at least 1)"), r.err());
        r = CliRun.ferry("dump", "replay", f, "--target", "127.0.0.1:1", "--rate", "fast");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--rate fast (expected: connections per second, e.g. 500)"), r.err());
        r = CliRun.ferry("dump", "pcap", f);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("dump pcap: expected IN OUT [--verify]"), r.err());
        assertTrue(CliRun.ferry("help").out().contains("dump replay SOURCE --target HOST:PORT"));
    }

    @Test
    void unreadableInputAndUnknownConnectionsExitOne() throws Exception {
        Path junk = dir.resolve("junk");
        Files.writeString(junk, "not a dump\n");
        CliRun r = CliRun.ferry("dump", "inspect", junk.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("neither a Ferry dump (magic \"FERRYDMP\"), a pcapng file, nor a Layotto dump_tcp_copy.log"), r.err());
        r = CliRun.ferry("dump", "inspect", dir.resolve("missing").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no such file"), r.err());
        r = CliRun.ferry("dump", "replay", dump().toString(), "--target", "127.0.0.1:9", "--connection", "4");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--connection 4: no such connection in " + dir.resolve(FerryFormat.FILE)
                + " (expected one of [3])"), r.err());
    }

    @Test
    void selectionOptionsWorkOnFilesForEveryTool() throws Exception {
        String f = dump().toString();
        CliRun r = CliRun.ferry("dump", "inspect", f, "--window", "w", "--connection", "3", "--since", "1970-01-01T00:00:00Z");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 records, 1 connections"), r.out());
        assertTrue(r.out().contains("selected: window w, connection 3, since 1970-01-01T00:00:00Z"), r.out());
        for (List<String> tool : List.of(List.of("inspect", f), List.of("pcap", f, dir.resolve("w.pcapng").toString()),
                List.of("replay", f, "--target", "127.0.0.1:9"))) {
            List<String> args = new java.util.ArrayList<>(List.of("dump"));
            args.addAll(tool);
            args.addAll(List.of("--window", "w", "--window", "other"));
            r = CliRun.ferry(args.toArray(new String[0]));
            assertEquals(1, r.code(), tool + ": an unknown window id is an error: " + r.out());
            assertTrue(r.err().contains("ferry dump " + tool.get(0) + ": --window other: no such window in " + f
                    + " (expected one of w; ./ferry dump inspect " + f + " lists them)"), r.err());
            assertEquals("", r.out());
        }
        assertTrue(Files.notExists(dir.resolve("w.pcapng")), "nothing written for a bad selection");
        r = CliRun.ferry("dump", "inspect", f, "--until", "0");
        assertTrue(r.out().contains("0 records, 0 connections"), r.out());
        r = CliRun.ferry("dump", "pcap", f, dir.resolve("out.pcapng").toString(), "--connection", "9");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("ferry dump pcap: --connection 9: no such connection in " + f + " (expected one of [3])"),
                r.err());
        r = CliRun.ferry("dump", "inspect", f, "--since", "today");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("dump inspect: --since today (expected: an ISO-8601 instant like 2026-11-26T06:00:00Z,"
                + " or epoch milliseconds)"), r.err());
        r = CliRun.ferry("dump", "inspect", f, "--connection", "a/b");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("dump inspect: --connection a/b (expected: a connection id"), r.err());
        r = CliRun.ferry("dump", "inspect", f, "--window");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("dump inspect: --window needs a value"), r.err());
    }

    @Test
    void speedFactors() throws Exception {
        assertEquals(0.0, DumpCommand.speed("max"));
        assertEquals(10.0, DumpCommand.speed("10x"));
        assertEquals(2.5, DumpCommand.speed("2.5"));
    }

    /** No stack trace, no exception name: what a user sees of a bad input is one line per problem. */
    static void assertNoStackTrace(CliRun r) {
        String all = r.out() + r.err();
        assertTrue(!all.contains("\tat ") && !all.contains("Exception") && !all.contains("internal error"), all);
    }

    @Test
    void malformedInputNeverCrashesAnyTool() throws Exception {
        long seed = System.nanoTime();
        System.out.println("DumpCommandTest.malformedInput seed " + seed);
        java.util.Random rnd = new java.util.Random(seed);
        byte[] good = Files.readAllBytes(dump());
        List<byte[]> inputs = new java.util.ArrayList<>();
        inputs.add(new byte[0]);
        inputs.add("FERRYDMP".getBytes(StandardCharsets.US_ASCII));
        inputs.add(java.util.Arrays.copyOf(good, 20));                      // header cut short
        inputs.add(java.util.Arrays.copyOf(good, good.length - 5));         // last record cut short
        byte[] v1 = good.clone();
        v1[9] = 1;                                                          // an earlier format
        inputs.add(v1);
        for (int i = 0; i < 6; i++) {
            byte[] g = new byte[rnd.nextInt(4000)];
            rnd.nextBytes(g);
            byte[] withHeader = new byte[good.length + g.length];
            System.arraycopy(good, 0, withHeader, 0, good.length);
            System.arraycopy(g, 0, withHeader, good.length, g.length);
            inputs.add(g);                                                  // garbage
            inputs.add(withHeader);                                         // a dump followed by garbage
        }
        inputs.add(String.join("\n", "2024-02-30 07:08:09,5 [INFO] [w][2045]61", "2024-05-06 07:08:09,5 [INFO] [w][x y]61",
                "2024-05-06 07:08:09,5 [INFO] [w][2045]6", "2024-05-06 07:08:09,5 [INFO] [w][2045]61", "").getBytes(
                StandardCharsets.US_ASCII));                                // Layotto lines, mostly bad
        int n = 0;
        for (byte[] in : inputs) {
            Path f = dir.resolve("input-" + (n++));
            Files.write(f, in);
            for (String[] cmd : List.of(new String[] {"dump", "inspect", f.toString()},
                    new String[] {"dump", "pcap", f.toString(), dir.resolve("out.pcapng").toString()},
                    new String[] {"dump", "replay", f.toString(), "--target", "127.0.0.1:9", "--speed", "max",
                            "--connection", "999999"})) {
                CliRun r = CliRun.ferry(cmd);
                assertNoStackTrace(r);
                assertTrue(r.code() == 0 || r.code() == 1, "seed " + seed + " input " + (n - 1) + " " + cmd[1] + ": "
                        + r.code() + " " + r.err());
                if (r.code() == 1) {
                    assertTrue(r.err().startsWith("ferry dump " + cmd[1] + ": ") || r.err().contains("\nferry dump "
                            + cmd[1] + ": "), r.err());
                    assertTrue(r.err().lines().allMatch(l -> l.startsWith("warning: ") || l.startsWith("ferry dump ")),
                            r.err());
                }
            }
        }
        CliRun r = CliRun.ferry("dump", "inspect", dir.resolve("input-4").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("input-4: Ferry dump format 1.0 (expected: format 2.x; it was written by an "
                + "earlier Ferry"), r.err());
        r = CliRun.ferry("dump", "inspect", dir.resolve("input-3").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: " + dir.resolve("input-3") + ": record at offset "), r.err());
        assertTrue(r.out().contains("damaged: " + dir.resolve("input-3") + ": record at offset "), r.out());
    }

    @Test
    void replayExitsThreeWhenOnlyIncompleteCapturesCouldNotBeVerified() throws Exception {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try (java.net.Socket s = ss.accept()) {
                        s.getInputStream().transferTo(s.getOutputStream());      // echo
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            // connection 3 (in the file written by dump()) has no end: open when the dump ends
            CliRun r = CliRun.ferry("dump", "replay", dump().toString(), "--target", "127.0.0.1:" + ss.getLocalPort(),
                    "--speed", "max");
            assertEquals(3, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("connection 3: sent 2 B, received 2 B, not verified (open when the dump ends; "
                    + "no response bytes were captured to compare with)"), r.out());
            assertTrue(r.out().contains("0 matched, 1 not verified, 0 mismatched, 0 failed"), r.out());
        }
    }
    @Test
    void inspectReadsATcpMirrorVerdictLogAndNamesTheLineOfABadOne() throws Exception {
        String line = "{\"v\":1,\"listener\":\"mirrored\",\"connection\":4,\"copy\":0,\"client\":\"127.0.0.1:5\","
                + "\"shadow\":\"127.0.0.1:9001\",\"verdict\":\"differs\",\"detail\":\"differs at byte 3\","
                + "\"primary_latency_us\":120,\"shadow_latency_us\":90}\n";
        Path log = dir.resolve("verdicts.jsonl");
        Files.writeString(log, line);
        CliRun r = CliRun.ferry("dump", "inspect", log.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tcp_mirror verdict log (format 1), 1 verdicts"), r.out());
        assertTrue(r.out().contains("conn 4 copy 0  mirrored  127.0.0.1:5 -> 127.0.0.1:9001: differs at byte 3"), r.out());

        r = CliRun.ferry("dump", "inspect", log.toString(), "--window", "w");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is a tcp_mirror verdict log, which --window"), r.err());

        Files.writeString(log, line + "{\"v\":1,\"listener\":\"mirrored\",\"verdict\":7}\n");
        r = CliRun.ferry("dump", "inspect", log.toString());
        assertEquals(1, r.code());
        assertEquals(List.of("ferry dump inspect: " + log + ": line 2: field \"verdict\" is 7 (expected: a string)"),
                r.err().lines().toList());
    }
}
