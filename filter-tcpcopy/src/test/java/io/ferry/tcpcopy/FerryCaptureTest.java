package io.ferry.tcpcopy;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryReader;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.format.LayottoFormat;
import io.ferry.testkit.embedded.EmbeddedEnvironment;
import io.ferry.testkit.embedded.EmbeddedFilterChain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code "format": "ferry"} on the real chain engine: per-connection records next to the Layotto files. */
class FerryCaptureTest {

    @TempDir
    Path dir;
    final TcpCopyProvider provider = new TcpCopyProvider(new Fakes.Readings());
    final EmbeddedEnvironment env = new EmbeddedEnvironment();

    private String format = "ferry";

    private String config(String extraDump) {
        return "{\"strategy\": {\"switch\": \"ON\", \"interval\": 30, \"duration\": 10, \"cpu_max_rate\": 99, "
                + "\"mem_max_rate\": 99}, \"dump\": {\"dir\": \"" + dir + "\", \"format\": \"" + format + "\", "
                + "\"directions\": \"both\"" + extraDump + "}}";
    }

    private TcpCopyFactory factory;

    /** A connection through the one tcpcopy filter of the test's listener (created with the first connection). */
    private EmbeddedFilterChain chain(String extraDump, long id) throws Exception {
        if (factory == null) {
            factory = (TcpCopyFactory) provider.create(Harness.filterConfig(
                    new com.google.gson.Gson().fromJson(config(extraDump), java.util.Map.class), env));
            factory.init(io.ferry.testkit.embedded.EmbeddedListener.DEFAULT);
        }
        return EmbeddedFilterChain.builder().environment(env).factory("tcpcopy", factory).connectionId(id)
                .remoteAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 40001))
                .localAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 2045)).build();
    }

    private List<FerryRecord> records() throws Exception {
        for (var w : provider.tcpCopy().writers()) {
            assertTrue(w.awaitIdle(30, TimeUnit.SECONDS));
        }
        List<FerryRecord> out = new ArrayList<>();
        Path f = dir.resolve(FerryFormat.FILE);
        if (!Files.exists(f)) {
            return out;
        }
        try (FerryReader r = FerryReader.open(f)) {
            for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                out.add(rec);
            }
            assertEquals(List.of(), r.problems());
        }
        return out;
    }

    private static String text(FerryRecord r) {
        return new String(r.payload(), StandardCharsets.US_ASCII);
    }

    private static List<Integer> types(List<FerryRecord> rs) {
        return rs.stream().map(FerryRecord::type).toList();
    }

    private Map<String, Number> stats() {
        return env.stats().snapshot("tcpcopy." + io.ferry.testkit.embedded.EmbeddedListener.DEFAULT.name());
    }

    @Test
    void aConnectionStartedInAWindowIsCapturedWholeEvenAfterTheWindowCloses() throws Exception {
        EmbeddedFilterChain first = chain("", 76);              // sets the provider up; window opens at 30 s
        first.advanceTimeBy(30, TimeUnit.SECONDS);
        EmbeddedFilterChain c = chain("", 77);                  // starts inside the window
        c.writeInbound("GET /");
        assertTrue(c.writeOutbound("200 OK"));
        c.readAllOutbound();
        c.advanceTimeBy(20, TimeUnit.SECONDS);                  // the window (10 s) is over; the capture is not
        c.writeInbound("more");
        c.closeRemotely();
        first.closeRemotely();
        List<FerryRecord> rs = records().stream().filter(r -> r.connectionId() == 77).toList();
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.DATA, FerryRecord.DATA,
                FerryRecord.CLOSE), types(rs));
        FerryRecord open = rs.get(0);
        assertFalse(open.midStream());
        assertEquals(0, open.inbound());
        assertEquals(0, open.outbound());
        assertEquals("192.0.2.7:40001", open.remote().toString());
        assertEquals("192.0.2.1:2045", open.local().toString());
        assertEquals(Endpoint.IPV4, open.local().family());
        assertEquals("GET /", text(rs.get(1)));
        assertEquals(0, rs.get(1).value(), "stream offset of the first inbound byte");
        assertEquals("200 OK", text(rs.get(2)));
        assertEquals(FerryRecord.OUTBOUND, rs.get(2).direction());
        assertEquals(0, rs.get(2).value());
        assertEquals("more", text(rs.get(3)));
        assertEquals(5, rs.get(3).value());
        assertEquals(9, rs.get(4).inbound(), "CLOSE carries the bytes of each direction");
        assertEquals(6, rs.get(4).outbound());
        String window = open.window();
        assertTrue(rs.stream().allMatch(r -> r.window().equals(window) && r.listener().equals(open.listener())));
        assertEquals(env.scheduler().currentTimeMillis() - 20_000, open.timeMicros() / 1000,
                "µs capture time from the runtime clock");
        List<String> lines = Files.readAllLines(dir.resolve(LayottoFormat.TCP_COPY_FILE));
        assertEquals(3, lines.size(), "the Layotto file is written alongside");
        assertTrue(lines.get(0).endsWith("[" + window + "][2045]47 45 54 20 2f"), lines.get(0));
        assertEquals(1L, stats().get("connections_complete").longValue());
    }

    @Test
    void aConnectionOpenBeforeTheWindowStartsMidStreamAtItsNextRead() throws Exception {
        EmbeddedFilterChain c = chain("", 5);
        c.writeInbound("before");                               // no window: not decided, nothing recorded
        assertTrue(c.writeOutbound("hello"));
        c.readAllOutbound();
        c.advanceTimeBy(30, TimeUnit.SECONDS);
        assertTrue(c.writeOutbound("xx"));                      // a write does not decide
        c.readAllOutbound();
        c.writeInbound("after");                                // the next read does, mid-stream
        c.closeRemotely();
        List<FerryRecord> rs = records();
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.CLOSE), types(rs));
        assertTrue(rs.get(0).midStream());
        assertEquals(6, rs.get(0).inbound(), "capture starts at inbound offset 6");
        assertEquals(7, rs.get(0).outbound(), "and outbound offset 7");
        assertEquals(6, rs.get(1).value());
        assertEquals(11, rs.get(2).inbound());
        assertEquals(7, rs.get(2).outbound());
    }

    @Test
    void samplePercentZeroCapturesNoConnectionAndHundredCapturesAll() throws Exception {
        EmbeddedFilterChain none = chain(", \"sample_percent\": 0", 1);
        none.advanceTimeBy(30, TimeUnit.SECONDS);
        none.writeInbound("x");
        none.closeRemotely();
        assertEquals(List.of(), records());
        assertEquals(1L, stats().get("connections_not_sampled").longValue());
    }

    @Test
    void byteBudgetTruncatesTheCaptureWithItsOffsetsAndNothingFollows() throws Exception {
        EmbeddedFilterChain c = chain(", \"max_bytes_per_connection\": 8", 3);
        c.advanceTimeBy(30, TimeUnit.SECONDS);
        c.writeInbound("12345");
        assertTrue(c.writeOutbound("abcdef"));
        c.readAllOutbound();
        c.writeInbound("678");
        c.closeRemotely();
        List<FerryRecord> rs = records();
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.DATA, FerryRecord.TRUNCATED), types(rs));
        assertEquals("abc", text(rs.get(2)));
        FerryRecord t = rs.get(3);
        assertEquals(8, t.value());
        assertEquals(5, t.inbound());
        assertEquals(3, t.outbound());
        assertEquals(1L, stats().get("connections_truncated").longValue());
    }

    @Test
    void switchingOffEndsACaptureAtItsNextReadButACloseWithoutMoreBytesIsComplete() throws Exception {
        EmbeddedFilterChain c = chain("", 11);
        c.advanceTimeBy(30, TimeUnit.SECONDS);
        EmbeddedFilterChain d = chain("", 12);
        c.writeInbound("one");
        d.writeInbound("uno");
        factory.updateAppStrategy(io.ferry.tcpcopy.config.Strategy.DEFAULT);   // switch OFF
        c.writeInbound("two");
        d.closeRemotely();
        c.closeRemotely();
        List<FerryRecord> rs = records();
        List<FerryRecord> of11 = rs.stream().filter(r -> r.connectionId() == 11).toList();
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.ABANDONED), types(of11));
        assertEquals("switched_off", of11.get(2).reason());
        assertEquals(3, of11.get(2).inbound());
        List<FerryRecord> of12 = rs.stream().filter(r -> r.connectionId() == 12).toList();
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.CLOSE), types(of12));
    }

    @Test
    void livePcapngFollowedByTsharkGivesBackBothSidesOfEachConnection() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.ferry.dump.tools.TsharkFollow.tshark() != null,
                "tshark is not installed (Debian: apt-get install tshark; .ci/run installs it when it can)");
        format = "pcapng";
        TcpCopyFactory f = (TcpCopyFactory) provider.create(Harness.filterConfig(
                new com.google.gson.Gson().fromJson(config(""), java.util.Map.class), env));
        f.init(io.ferry.testkit.embedded.EmbeddedListener.tcp("l1", 2045));
        env.scheduler().advanceTimeBy(30, TimeUnit.SECONDS);
        List<EmbeddedFilterChain> chains = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            chains.add(EmbeddedFilterChain.builder().environment(env).factory("tcpcopy", f).connectionId(20 + i)
                    .remoteAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 40000 + i))
                    .localAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 2045)).build());
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 3; i++) {
                chains.get(i).writeInbound("req" + i + "." + round + ";");
                assertTrue(chains.get(i).writeOutbound("resp" + i + "." + round + ";"));
            }
        }
        chains.forEach(EmbeddedFilterChain::closeRemotely);
        for (var w : provider.tcpCopy().writers()) {
            assertTrue(w.awaitIdle(30, TimeUnit.SECONDS));
        }
        Path pcap = dir.resolve(io.ferry.dump.format.pcapng.PcapngWriter.FILE);
        assertEquals(3, io.ferry.dump.tools.TsharkFollow.streamCount(pcap));
        for (int i = 0; i < 3; i++) {
            var s = io.ferry.dump.tools.TsharkFollow.follow(pcap, i);
            assertEquals("192.0.2.7:" + (40000 + i), s.node0());
            assertEquals("req" + i + ".0;req" + i + ".1;req" + i + ".2;", new String(s.fromNode0(), StandardCharsets.US_ASCII));
            assertEquals("resp" + i + ".0;resp" + i + ".1;resp" + i + ".2;", new String(s.fromNode1(), StandardCharsets.US_ASCII));
        }
        assertTrue(Files.exists(dir.resolve(LayottoFormat.TCP_COPY_FILE)), "the Layotto file is written alongside");
    }
}
