package io.ferry.cli.e2e;

import io.ferry.cli.CliRun;
import io.ferry.cli.EchoServer;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryReader;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.tools.TsharkFollow;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two runs of {@code ferry demo}, each in a process of its own, dumping into one directory: connection ids restart at
 * 1 in each, and every tool still sees every connection of both runs apart, because each file carries the instance
 * that wrote it (the second run's proxy moves the first run's Ferry file aside, so the directory holds two files).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TwoRunsOneDirectoryIT {

    @TempDir
    Path dumpDir;
    @TempDir
    Path work;

    private void demo(int run) throws Exception {
        Path out = work.resolve("demo-" + run + ".out");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.ferry.cli.Main", "demo",
                "--exit-after-traffic", "--listen-port", "0", "--upstream-port", "0", "--admin-port", "0",
                "--dump-dir", dumpDir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "demo run " + run + " did not finish: " + Files.readString(out));
        assertEquals(0, p.exitValue(), Files.readString(out));
    }

    @Test
    void twoDemoRunsIntoOneDirectoryStayApartInInspectPcapAndReplay() throws Exception {
        demo(1);
        demo(2);
        List<Path> files;
        try (var s = Files.list(dumpDir)) {
            files = s.filter(f -> f.getFileName().toString().startsWith(FerryFormat.FILE)).sorted().toList();
        }
        assertEquals(2, files.size(), "one Ferry file per run: " + files);
        Set<String> instances = new HashSet<>();
        int connections = 0;
        for (Path f : files) {
            try (FerryReader r = FerryReader.open(f)) {
                instances.add(r.instance());
                Set<Long> ids = new HashSet<>();
                for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                    if (rec.type() == FerryRecord.OPEN) {
                        ids.add(rec.connectionId());
                    }
                }
                assertEquals(List.of(), r.problems());
                assertTrue(ids.contains(1L), "connection ids restart at 1 in each run: " + ids);
                connections += ids.size();
            }
        }
        assertEquals(2, instances.size(), "each run's file names its own instance: " + instances);

        CliRun inspect = CliRun.ferry("dump", "inspect", dumpDir.toString());
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains(connections + " connections"), connections + " expected:\n" + inspect.out());
        assertEquals(connections, inspect.out().lines().filter(l -> l.endsWith("  complete")).count(), inspect.out());

        try (EchoServer echo = EchoServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            CliRun replay = CliRun.ferry("dump", "replay", dumpDir.toString(), "--target",
                    "127.0.0.1:" + echo.address().getPort(), "--speed", "max");
            assertEquals(0, replay.code(), replay.out() + replay.err());
            assertTrue(replay.out().contains(connections + " matched, 0 not verified, 0 mismatched, 0 failed"),
                    replay.out());
        }

        Assumptions.assumeTrue(TsharkFollow.tshark() != null,
                "tshark is not installed (Debian: apt-get install tshark; .ci/run installs it when it can)");
        Path pcap = work.resolve("both-runs.pcapng");
        CliRun convert = CliRun.ferry("dump", "pcap", dumpDir.toString(), pcap.toString(), "--verify");
        assertEquals(0, convert.code(), convert.out() + convert.err());
        assertEquals(connections, TsharkFollow.streamCount(pcap));

    }
}
