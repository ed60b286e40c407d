package io.ferry.dump.tools;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.format.pcapng.PcapngSession;
import io.ferry.dump.format.pcapng.PcapngWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcapConverterIT {

    @TempDir
    Path tmp;

    /** Interleaved records of several connections (IPv4, IPv6, unix, one payload larger than an IPv4 packet). */
    static List<FerryRecord> conversations(Map<Long, byte[][]> expected) throws Exception {
        Random rnd = new Random(42);
        Endpoint proxy4 = new Endpoint(Endpoint.IPV4, InetAddress.getByName("10.1.2.3").getAddress(), 2045, "");
        Endpoint proxy6 = new Endpoint(Endpoint.IPV6, InetAddress.getByName("fd00::1").getAddress(), 2046, "");
        Endpoint[][] ends = {
                {new Endpoint(Endpoint.IPV4, InetAddress.getByName("192.168.7.9").getAddress(), 50001, ""), proxy4},
                {new Endpoint(Endpoint.IPV4, InetAddress.getByName("192.168.7.10").getAddress(), 50002, ""), proxy4},
                {new Endpoint(Endpoint.IPV6, InetAddress.getByName("fd00::99").getAddress(), 50003, ""), proxy6},
                {new Endpoint(Endpoint.UNIX, new byte[0], 0, ""), new Endpoint(Endpoint.UNIX, new byte[0], 0, "/run/app.sock")},
        };
        List<FerryRecord> out = new ArrayList<>();
        long t = 1_700_000_000_000_000L;
        int n = ends.length;
        ByteArrayOutputStream[][] sent = new ByteArrayOutputStream[n][2];
        for (int i = 0; i < n; i++) {
            out.add(FerryRecord.open(t++, 100 + i, "w1", "l", ends[i][0], ends[i][1], false, 0, 0));
            sent[i][0] = new ByteArrayOutputStream();
            sent[i][1] = new ByteArrayOutputStream();
        }
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < n; i++) {
                int dir = (round + i) % 2 == 0 ? FerryRecord.INBOUND : FerryRecord.OUTBOUND;
                int size = round == 3 && i == 1 ? 150_000 : 1 + rnd.nextInt(3000);
                byte[] p = new byte[size];
                rnd.nextBytes(p);
                out.add(FerryRecord.data(t++, 100 + i, dir, "w1", "l", sent[i][dir - 1].size(), p));
                sent[i][dir - 1].writeBytes(p);
            }
        }
        for (int i = 0; i < n; i++) {
            out.add(FerryRecord.close(t++, 100 + i, "w1", "l", sent[i][0].size(), sent[i][1].size()));
            expected.put(100L + i, new byte[][] {sent[i][0].toByteArray(), sent[i][1].toByteArray()});
        }
        return out;
    }

    @Test
    void tsharkFollowGivesBackEachSidesBytesForEveryConnection() throws Exception {
        Assumptions.assumeTrue(TsharkFollow.tshark() != null,
                "tshark is not installed (Debian: apt-get install tshark; .ci/run installs it when it can)");
        Map<Long, byte[][]> expected = new HashMap<>();
        Capture c = Capture.of("test", conversations(expected));
        Path pcap = tmp.resolve("out.pcapng");
        PcapConverter.convert(c, pcap);
        assertEquals(4, TsharkFollow.streamCount(pcap));
        List<Long> ids = List.copyOf(c.connections().keySet());
        for (int s = 0; s < 4; s++) {
            TsharkFollow.Stream st = TsharkFollow.follow(pcap, s);
            byte[][] want = expected.get(ids.get(s));
            assertArrayEquals(want[0], st.fromNode0(), "stream " + s + " client bytes");
            assertArrayEquals(want[1], st.fromNode1(), "stream " + s + " server bytes");
        }
        assertEquals("192.168.7.9:50001", TsharkFollow.follow(pcap, 0).node0());
        assertEquals("10.1.2.3:2045", TsharkFollow.follow(pcap, 0).node1());
        assertEquals("127.0.0.2:" + PcapngSession.syntheticClientPort(103), TsharkFollow.follow(pcap, 3).node0());
    }

    @Test
    void blocksAreWellFormedWithValidChecksums() throws Exception {
        Map<Long, byte[][]> expected = new HashMap<>();
        Capture c = Capture.of("test", conversations(expected));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long packets = PcapConverter.convert(c, out);
        ByteBuffer b = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x0A0D0D0A, b.getInt(0));
        assertEquals(0x1A2B3C4D, b.getInt(8));
        int pos = 0;
        long epbs = 0;
        while (pos < b.limit()) {
            int type = b.getInt(pos);
            int len = b.getInt(pos + 4);
            assertEquals(0, len % 4, "block length multiple of 4");
            assertEquals(len, b.getInt(pos + len - 4), "trailing block length");
            if (type == 6) {
                epbs++;
                int caplen = b.getInt(pos + 20);
                byte[] frame = new byte[caplen];
                b.get(pos + 28, frame);
                assertTrue(caplen - 14 <= 65_535 + 40);
                int ethType = ((frame[12] & 0xff) << 8) | (frame[13] & 0xff);
                if (ethType == 0x0800) {
                    assertEquals(0, ipChecksum(frame, 14, 20), "IPv4 header checksum");
                }
            }
            pos += len;
        }
        assertEquals(packets, epbs);
    }

    /** One Enhanced Packet Block: its TCP flags, payload length and comment. */
    record Packet(int tcpFlags, int payload, String comment) {
    }

    /** The packets of a pcapng file as the converter writes it (Ethernet, IPv4 or IPv6, TCP without options). */
    static List<Packet> packets(byte[] pcapng) {
        ByteBuffer b = ByteBuffer.wrap(pcapng).order(ByteOrder.LITTLE_ENDIAN);
        List<Packet> out = new ArrayList<>();
        for (int pos = 0; pos < b.limit(); pos += b.getInt(pos + 4)) {
            if (b.getInt(pos) != 6) {
                continue;
            }
            int caplen = b.getInt(pos + 20);
            int frame = pos + 28;
            boolean v6 = (b.get(frame + 12) & 0xff) == 0x86;
            int tcp = frame + 14 + (v6 ? 40 : 20);
            int flags = b.get(tcp + 13) & 0xff;
            int payload = caplen - (tcp - frame) - 20;
            String comment = null;
            for (int o = frame + ((caplen + 3) & ~3); o < pos + b.getInt(pos + 4) - 4; ) {
                int code = b.getShort(o) & 0xffff;
                int len = b.getShort(o + 2) & 0xffff;
                if (code == 0) {
                    break;
                }
                if (code == 1) {
                    byte[] c = new byte[len];
                    b.get(o + 4, c);
                    comment = new String(c, java.nio.charset.StandardCharsets.UTF_8);
                }
                o += 4 + ((len + 3) & ~3);
            }
            out.add(new Packet(flags, payload, comment));
        }
        return out;
    }

    static final int RST = 0x04;
    static final int SYN = 0x02;

    @Test
    void incompleteCapturesAreMarkedInTheirCommentsAndEndWithAResetWhereCaptureStops() throws Exception {
        io.ferry.dump.tools.TestDumps d = new io.ferry.dump.tools.TestDumps();
        var complete = d.conn(1, "w", "l", 50001).open().in(bytes(1, 3000)).out(bytes(2, 3000)).close();
        var abandoned = d.conn(2, "w", "l", 50002).open().in(bytes(3, 30_000)).out(bytes(4, 2048));
        var open = d.conn(3, "w", "l", 50003).open().in(bytes(5, 100));
        abandoned.abandoned("rate_limit");
        var truncated = d.conn(4, "w", "l", 50004).open().in(bytes(6, 4000)).out(bytes(7, 96)).truncated(4096);
        var holed = d.conn(5, "w", "l", 50005).open().in(bytes(8, 100)).skip(FerryRecord.INBOUND, 200)
                .in(bytes(9, 100)).close();
        var mid = d.conn(6, "w", "l", 50006).open(true, 1000, 2000).in(bytes(10, 10)).out(bytes(11, 20)).close();
        d.refused("w", "l", "memory", 9).dropped("w", "l", "queue_full", 1);
        Capture c = Capture.of("test", "edge-1/7/aa", d.records());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapConverter.convert(c, out);
        List<Packet> ps = packets(out.toByteArray());
        String base = "ferry window=w connection=%d listener=l instance=edge-1/7/aa";

        List<Packet> one = ps.stream().filter(p -> p.comment().startsWith(base.formatted(1))).toList();
        assertTrue(one.stream().allMatch(p -> p.comment().equals(base.formatted(1))), "a complete capture: no notes");
        assertTrue(one.stream().noneMatch(p -> (p.tcpFlags() & RST) != 0));

        List<Packet> two = ps.stream().filter(p -> p.comment().startsWith(base.formatted(2))).toList();
        assertEquals(SYN, two.get(0).tcpFlags());
        assertEquals(base.formatted(2) + " | capture abandoned at 32048 B: rate_limit", two.get(0).comment());
        Packet last = two.get(two.size() - 1);
        assertEquals(RST | 0x10, last.tcpFlags(), "a reset where capture stops");
        assertEquals(base.formatted(2) + " | capture stops here: abandoned at 32048 B: rate_limit", last.comment());

        List<Packet> three = ps.stream().filter(p -> p.comment().startsWith(base.formatted(3))).toList();
        assertEquals(base.formatted(3) + " | capture open when the dump ends", three.get(0).comment());
        assertEquals(base.formatted(3) + " | capture stops here: open when the dump ends",
                three.get(three.size() - 1).comment());
        assertTrue(ps.indexOf(three.get(three.size() - 1)) < ps.indexOf(two.get(two.size() - 1)),
                "the open capture's reset follows its last record, before later records of other connections");

        List<Packet> four = ps.stream().filter(p -> p.comment().startsWith(base.formatted(4))).toList();
        assertEquals(base.formatted(4) + " | capture stops here: truncated at 4096 B (max_bytes_per_connection 4096)",
                four.get(four.size() - 1).comment());

        List<Packet> five = ps.stream().filter(p -> p.comment().startsWith(base.formatted(5))).toList();
        assertEquals(base.formatted(5) + " | capture incomplete: inbound bytes 100 to 300 missing", five.get(0).comment());
        assertTrue(five.stream().anyMatch(p -> p.payload() == 100 && p.comment().equals(base.formatted(5)
                + " | 200 inbound bytes missing before this segment (bytes 100 to 300)")), five.toString());

        List<Packet> six = ps.stream().filter(p -> p.comment().startsWith(base.formatted(6))).toList();
        assertEquals(base.formatted(6) + " | capture closed; mid-stream start (inbound from byte 1000, outbound from "
                + "byte 2000)", six.get(0).comment());

        if (TsharkFollow.tshark() != null) {
            Path pcap = tmp.resolve("incomplete.pcapng");
            Files.write(pcap, out.toByteArray());
            var conns = List.of(complete, abandoned, open, truncated, holed, mid);
            assertEquals(conns.size(), TsharkFollow.streamCount(pcap));
            for (int s = 0; s < conns.size(); s++) {
                TsharkFollow.Stream st = TsharkFollow.follow(pcap, s);
                assertArrayEquals(conns.get(s).in.toByteArray(), st.fromNode0(), "stream " + s + ": the captured bytes");
                assertArrayEquals(conns.get(s).out.toByteArray(), st.fromNode1(), "stream " + s + ": the captured bytes");
            }
        }
    }

    @Test
    void theLiveSessionTakesEveryRecordType() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapngWriter w = new PcapngWriter(out, PcapngWriter.INTERFACE_NAME, true);
        PcapngSession s = new PcapngSession();
        io.ferry.dump.format.Endpoint client = io.ferry.dump.tools.TestDumps.ip(50001);
        io.ferry.dump.format.Endpoint proxy = io.ferry.dump.tools.TestDumps.PROXY;
        assertEquals(3, s.packets(FerryRecord.open(1, 1, "w", "l", client, proxy, true, 10, 20), w));
        assertEquals(1, s.packets(FerryRecord.data(2, 1, FerryRecord.INBOUND, "w", "l", 10, new byte[] {1}), w));
        assertEquals(0, s.packets(FerryRecord.refused(3, "w", "l", "memory", 4), w));
        assertEquals(0, s.packets(FerryRecord.dropped(4, "w", "l", "queue_full", 1), w));
        assertEquals(0, s.packets(new FerryRecord(99, 0, 0, 5, 1, "w", "l", io.ferry.dump.format.Endpoint.UNKNOWN_ENDPOINT,
                io.ferry.dump.format.Endpoint.UNKNOWN_ENDPOINT, 0, 0, new byte[3], 0), w), "a newer minor's type");
        assertEquals(java.util.Set.of(1L), s.open());
        assertEquals(1, s.packets(FerryRecord.truncated(6, 1, FerryRecord.NONE, "w", "l", 1, 11, 20), w));
        assertEquals(java.util.Set.of(), s.open());
        assertEquals(0, s.packets(FerryRecord.abandoned(7, 1, "w", "l", 11, 20, "memory"), w), "already ended");
        assertEquals(0, s.packets(FerryRecord.close(8, 2, "w", "l", 0, 0), w), "an end without a conversation");
        assertEquals(3 + 1, s.packets(FerryRecord.data(9, 3, FerryRecord.OUTBOUND, "w", "l", 0, new byte[] {2}), w),
                "DATA without OPEN: a handshake with synthetic addresses first");
        assertEquals(1, s.packets(FerryRecord.abandoned(10, 3, "w", "l", 0, 1, "shutdown"), w));
        List<Packet> ps = packets(out.toByteArray());
        assertEquals("ferry window=w connection=1 listener=l | capture starts mid-stream: inbound at byte 10, outbound at"
                + " byte 20", ps.get(0).comment());
        assertEquals("ferry window=w connection=1 listener=l | capture stops here: truncated at 1 B"
                + " (max_bytes_per_connection 1)", ps.get(4).comment());
        assertEquals("ferry window=w connection=3 listener=l | capture stops here: abandoned at 1 B: shutdown",
                ps.get(ps.size() - 1).comment());
    }

    @Test
    void twoInstancesWithTheSameIdsAndAddressesAreSeparateStreams() throws Exception {
        Assumptions.assumeTrue(TsharkFollow.tshark() != null,
                "tshark is not installed (Debian: apt-get install tshark; .ci/run installs it when it can)");
        io.ferry.dump.tools.TestDumps a = new io.ferry.dump.tools.TestDumps();
        var a1 = a.conn(1, "wa", "l", 50001).open().in(bytes(1, 500)).out(bytes(2, 500)).close();
        var a2 = a.conn(2, "wa", "l", 50002).open().in(bytes(3, 500));     // the first run was killed
        io.ferry.dump.tools.TestDumps b = new io.ferry.dump.tools.TestDumps();
        var b1 = b.conn(1, "wb", "l", 50001).open().in(bytes(4, 700)).out(bytes(5, 700)).close();
        var b2 = b.conn(2, "wb", "l", 50002).open().in(bytes(6, 900)).out(bytes(7, 900)).close();
        Path dir = Files.createDirectories(tmp.resolve("dump"));
        io.ferry.dump.tools.TestDumps.write(dir.resolve(io.ferry.dump.format.FerryFormat.FILE + ".1"), "run/1/a",
                a.records());
        io.ferry.dump.tools.TestDumps.write(dir.resolve(io.ferry.dump.format.FerryFormat.FILE), "run/2/b",
                b.records());
        Path pcap = tmp.resolve("two.pcapng");
        PcapConverter.convert(Capture.scan(dir.toString(), io.ferry.dump.spi.Selection.ALL, false), pcap);
        var conns = List.of(a1, a2, b1, b2);
        assertEquals(4, TsharkFollow.streamCount(pcap));
        for (int s = 0; s < 4; s++) {
            TsharkFollow.Stream st = TsharkFollow.follow(pcap, s);
            assertArrayEquals(conns.get(s).in.toByteArray(), st.fromNode0(), "stream " + s);
            assertArrayEquals(conns.get(s).out.toByteArray(), st.fromNode1(), "stream " + s);
        }
    }

    /** The Internet checksum (RFC 1071) of {@code b[off, off + len)}: 0 over a header whose checksum is right. */
    static int ipChecksum(byte[] b, int off, int len) {
        long s = 0;
        for (int i = off; i < off + len; i += 2) {
            s += ((b[i] & 0xff) << 8) | (i + 1 < off + len ? b[i + 1] & 0xff : 0);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }

    static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
