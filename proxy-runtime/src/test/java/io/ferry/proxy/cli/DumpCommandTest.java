package io.ferry.proxy.cli;

import io.ferry.tcpcopy.record.Endpoint;
import io.ferry.tcpcopy.record.FerryFormat;
import io.ferry.tcpcopy.record.FerryRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
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
            out.write(FerryFormat.header());
            out.write(FerryFormat.encode(FerryRecord.open(1, 3, "w", "l", Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT)));
            out.write(FerryFormat.encode(FerryRecord.data(2, 3, FerryRecord.INBOUND, "w", "l", new byte[] {1, 2})));
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
        assertTrue(r.err().contains("neither a Ferry dump (magic \"FERRYDMP\") nor a Layotto dump_tcp_copy.log"), r.err());
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
}
