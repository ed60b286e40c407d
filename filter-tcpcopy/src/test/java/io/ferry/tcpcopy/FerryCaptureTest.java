package io.ferry.tcpcopy;

import io.ferry.filter.api.ConnectionEvent;
import io.ferry.tcpcopy.dump.LayottoFormat;
import io.ferry.tcpcopy.record.Endpoint;
import io.ferry.tcpcopy.record.FerryFormat;
import io.ferry.tcpcopy.record.FerryReader;
import io.ferry.tcpcopy.record.FerryRecord;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    private EmbeddedFilterChain chain(String extraDump, long id) throws Exception {
        return EmbeddedFilterChain.builder().environment(env).provider(provider).config(config(extraDump))
                .connectionId(id)
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
            assertNull(r.problem());
        }
        return out;
    }

    private static String text(FerryRecord r) {
        return new String(r.payload(), StandardCharsets.US_ASCII);
    }

    @Test
    void openDataBothDirectionsAndCloseWithAddressesAndWindow() throws Exception {
        EmbeddedFilterChain c = chain("", 77);
        c.writeInbound("before");                          // no window: nothing, not even OPEN
        c.advanceTimeBy(30, TimeUnit.SECONDS);
        c.writeInbound("GET /");
        assertTrue(c.writeOutbound("200 OK"));
        c.readAllOutbound();
        c.closeRemotely();
        List<FerryRecord> rs = records();
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.DATA, FerryRecord.CLOSE),
                rs.stream().map(FerryRecord::type).toList());
        FerryRecord open = rs.get(0);
        assertEquals(77, open.connectionId());
        assertEquals("192.0.2.7:40001", open.remote().toString());
        assertEquals("192.0.2.1:2045", open.local().toString());
        assertEquals(Endpoint.IPV4, open.local().family());
        assertEquals("GET /", text(rs.get(1)));
        assertEquals(FerryRecord.INBOUND, rs.get(1).direction());
        assertEquals("200 OK", text(rs.get(2)));
        assertEquals(FerryRecord.OUTBOUND, rs.get(2).direction());
        String window = open.window();
        assertTrue(rs.stream().allMatch(r -> r.window().equals(window) && r.connectionId() == 77
                && r.listener().equals(open.listener())));
        assertTrue(rs.get(1).timeMicros() >= open.timeMicros());
        assertEquals(env.scheduler().currentTimeMillis(), open.timeMicros() / 1000, "µs capture time from the runtime clock");
        // the Layotto file is still written, alongside
        List<String> lines = Files.readAllLines(dir.resolve(LayottoFormat.TCP_COPY_FILE));
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).endsWith("[" + window + "][2045]47 45 54 20 2f"), lines.get(0));
    }

    @Test
    void samplePercentZeroCapturesNoConnectionAndHundredCapturesAll() throws Exception {
        EmbeddedFilterChain none = chain(", \"sample_percent\": 0", 1);
        none.advanceTimeBy(30, TimeUnit.SECONDS);
        none.writeInbound("x");
        none.closeRemotely();
        assertEquals(List.of(), records());
        assertTrue(!Files.exists(dir.resolve(LayottoFormat.TCP_COPY_FILE))
                || Files.readAllLines(dir.resolve(LayottoFormat.TCP_COPY_FILE)).isEmpty());
    }

    @Test
    void samplingIsDecidedOncePerConnection() throws Exception {
        // 50 %: over many connections some are captured and some not, and a captured one is captured whole
        int captured = 0;
        TcpCopyFactory f = (TcpCopyFactory) provider.create(Harness.filterConfig(
                new com.google.gson.Gson().fromJson(config(", \"sample_percent\": 50"), java.util.Map.class), env));
        f.init(io.ferry.testkit.embedded.EmbeddedListener.tcp("l1", 2045));
        env.scheduler().advanceTimeBy(30, TimeUnit.SECONDS);
        for (int i = 0; i < 60; i++) {
            EmbeddedFilterChain c = EmbeddedFilterChain.builder().environment(env).factory("tcpcopy", f)
                    .connectionId(1000 + i).build();
            for (int k = 0; k < 5; k++) {
                c.writeInbound("m" + k);
            }
        }
        List<FerryRecord> rs = records();
        for (long id = 1000; id < 1060; id++) {
            long n = id;
            long data = rs.stream().filter(r -> r.connectionId() == n && r.type() == FerryRecord.DATA).count();
            assertTrue(data == 0 || data == 5, "connection " + id + " has " + data + " of 5 records");
            captured += data == 5 ? 1 : 0;
        }
        assertTrue(captured > 5 && captured < 55, "captured " + captured + " of 60 at 50 %");
    }

    @Test
    void byteBudgetCutsTheConnectionAndMarksIt() throws Exception {
        EmbeddedFilterChain c = chain(", \"max_bytes_per_connection\": 8", 5);
        c.advanceTimeBy(30, TimeUnit.SECONDS);
        c.writeInbound("abcdef");
        assertTrue(c.writeOutbound("ghijkl"));
        c.writeInbound("mnop");
        List<FerryRecord> rs = records();
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.DATA, FerryRecord.TRUNCATED),
                rs.stream().map(FerryRecord::type).toList());
        assertEquals("abcdef", text(rs.get(1)));
        assertEquals("gh", text(rs.get(2)));
        assertEquals(8, rs.get(3).value());
        assertEquals(FerryRecord.OUTBOUND, rs.get(3).direction());
        assertEquals("abcdefmnop", new String(c.readAllInbound(), StandardCharsets.US_ASCII), "traffic is unaffected");
    }

    @Test
    void aConnectionSpanningTwoWindowsGetsAnOpenInEach() throws Exception {
        EmbeddedFilterChain c = chain("", 9);
        c.advanceTimeBy(30, TimeUnit.SECONDS);
        c.writeInbound("one");
        c.advanceTimeBy(30, TimeUnit.SECONDS);   // first window closed at 40 s, the next opened at 60 s
        c.writeInbound("two");
        c.fireEvent(ConnectionEvent.LOCAL_CLOSE);
        List<FerryRecord> rs = records();
        assertEquals(List.of(FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.OPEN, FerryRecord.DATA, FerryRecord.CLOSE),
                rs.stream().map(FerryRecord::type).toList());
        assertTrue(!rs.get(0).window().equals(rs.get(2).window()));
        assertEquals(rs.get(2).window(), rs.get(4).window());
    }

    @Test
    void livePcapngFollowedByTsharkGivesBackBothSidesOfEachConnection() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.ferry.tcpcopy.pcapng.TsharkFollow.tshark() != null,
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
        Path pcap = dir.resolve(io.ferry.tcpcopy.pcapng.PcapngWriter.FILE);
        assertEquals(3, io.ferry.tcpcopy.pcapng.TsharkFollow.streamCount(pcap));
        for (int i = 0; i < 3; i++) {
            var s = io.ferry.tcpcopy.pcapng.TsharkFollow.follow(pcap, i);
            assertEquals("192.0.2.7:" + (40000 + i), s.node0());
            assertEquals("req" + i + ".0;req" + i + ".1;req" + i + ".2;", new String(s.fromNode0(), StandardCharsets.US_ASCII));
            assertEquals("resp" + i + ".0;resp" + i + ".1;resp" + i + ".2;", new String(s.fromNode1(), StandardCharsets.US_ASCII));
        }
        assertTrue(Files.exists(dir.resolve(LayottoFormat.TCP_COPY_FILE)), "the Layotto file is written alongside");
    }
}
