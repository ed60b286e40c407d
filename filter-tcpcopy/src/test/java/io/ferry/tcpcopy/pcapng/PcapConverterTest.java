package io.ferry.tcpcopy.pcapng;

import io.ferry.tcpcopy.record.Endpoint;
import io.ferry.tcpcopy.record.FerryRecord;
import io.ferry.tcpcopy.tools.Capture;
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

class PcapConverterTest {

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
            out.add(FerryRecord.open(t++, 100 + i, "w1", "l", ends[i][0], ends[i][1]));
            sent[i][0] = new ByteArrayOutputStream();
            sent[i][1] = new ByteArrayOutputStream();
        }
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < n; i++) {
                int dir = (round + i) % 2 == 0 ? FerryRecord.INBOUND : FerryRecord.OUTBOUND;
                int size = round == 3 && i == 1 ? 150_000 : 1 + rnd.nextInt(3000);
                byte[] p = new byte[size];
                rnd.nextBytes(p);
                sent[i][dir - 1].writeBytes(p);
                out.add(FerryRecord.data(t++, 100 + i, dir, round < 3 ? "w1" : "w2", "l", p));
            }
        }
        for (int i = 0; i < n; i++) {
            out.add(FerryRecord.close(t++, 100 + i, "w2", "l"));
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
        assertEquals("127.0.0.2:" + PcapConverter.syntheticClientPort(103), TsharkFollow.follow(pcap, 3).node0());
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
                    assertEquals(0, TcpSynthesizer.checksum(frame, 14, 20, 0), "IPv4 header checksum");
                }
            }
            pos += len;
        }
        assertEquals(packets, epbs);
    }
}
