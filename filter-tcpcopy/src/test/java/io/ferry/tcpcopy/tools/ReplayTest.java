package io.ferry.tcpcopy.tools;

import io.ferry.tcpcopy.record.Endpoint;
import io.ferry.tcpcopy.record.FerryRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayTest {

    @TempDir
    Path dir;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    /** A loopback server answering each chunk with {@code answer(chunk)} and closing after the client's EOF. */
    private InetSocketAddress server(UnaryOperator<byte[]> answer, Map<Integer, byte[]> received) throws IOException {
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        closeables.add(ss);
        Thread t = new Thread(() -> {
            int n = 0;
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    int idx = n++;
                    new Thread(() -> {
                        ByteArrayOutputStream all = new ByteArrayOutputStream();
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            byte[] b = new byte[8192];
                            for (int r = in.read(b); r >= 0; r = in.read(b)) {
                                byte[] chunk = java.util.Arrays.copyOf(b, r);
                                all.writeBytes(chunk);
                                out.write(answer.apply(chunk));
                            }
                        } catch (IOException ignored) {
                            // client went away
                        }
                        received.put(idx, all.toByteArray());
                    }).start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return (InetSocketAddress) ss.getLocalSocketAddress();
    }

    /** Three connections whose requests interleave in time; the captured responses are echoes. */
    static Capture echoCapture(boolean withOutbound) {
        List<FerryRecord> rs = new ArrayList<>();
        long t = 1_700_000_000_000_000L;
        for (long id = 1; id <= 3; id++) {
            rs.add(FerryRecord.open(t, id, "w", "l", Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT));
        }
        for (int k = 0; k < 4; k++) {
            for (long id = 1; id <= 3; id++) {
                byte[] p = ("conn" + id + "-msg" + k + ";").repeat(1 + (int) id * 300).getBytes(StandardCharsets.US_ASCII);
                t += 1000;
                rs.add(FerryRecord.data(t, id, FerryRecord.INBOUND, "w", "l", p));
                if (withOutbound) {
                    rs.add(FerryRecord.data(t + 10, id, FerryRecord.OUTBOUND, "w", "l", p));
                }
            }
        }
        for (long id = 1; id <= 3; id++) {
            rs.add(FerryRecord.close(t + 50, id, "w", "l"));
        }
        return Capture.of("test", rs);
    }

    private static Replay.Options options(InetSocketAddress target, double speed, Set<Long> ids) {
        return new Replay.Options(target, speed, ids, 5_000, 10_000);
    }

    @Test
    void replayAgainstAnEchoServerMatchesEveryConnectionInOrder() throws Exception {
        Map<Integer, byte[]> got = new ConcurrentHashMap<>();
        InetSocketAddress echo = server(b -> b, got);
        Capture c = echoCapture(true);
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> Replay.report(
                Replay.run(c, options(echo, 1.0, Set.of())), echo, new PrintStream(report, true)));
        String text = report.toString();
        assertEquals(0, code, text);
        for (long id = 1; id <= 3; id++) {
            int bytes = c.connections().get(id).bytes(FerryRecord.INBOUND).length;
            assertTrue(text.contains("connection " + id + ": sent " + bytes + " B, received " + bytes + " B, matched"), text);
        }
        assertTrue(text.contains("3 matched, 0 without captured response, 0 mismatched, 0 failed"), text);
        // each connection of the server got exactly one captured connection's bytes, in order
        List<String> want = new ArrayList<>();
        for (Capture.Conn k : c.connections().values()) {
            want.add(new String(k.bytes(FerryRecord.INBOUND), StandardCharsets.US_ASCII));
        }
        List<String> have = got.values().stream().map(b -> new String(b, StandardCharsets.US_ASCII)).sorted().toList();
        assertEquals(want.stream().sorted().toList(), have);
    }

    @Test
    void aServerThatAnswersDifferentlyIsReportedAndExitsNonZero() throws Exception {
        InetSocketAddress upper = server(b -> new String(b, StandardCharsets.US_ASCII).toUpperCase()
                .getBytes(StandardCharsets.US_ASCII), new ConcurrentHashMap<>());
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int code = Replay.report(Replay.run(echoCapture(true), options(upper, 0, Set.of(2L))), upper,
                new PrintStream(report, true));
        String text = report.toString();
        assertEquals(1, code, text);
        assertTrue(text.contains("connection 2: sent"), text);
        assertTrue(text.contains("MISMATCH (first difference at byte 0: expected 0x63, got 0x43)"), text);
        assertTrue(text.contains("replayed 1 connections"), text);
        assertTrue(text.contains("1 mismatched [2]"), text);
    }

    @Test
    void anUnreachableTargetFailsEveryConnection() throws Exception {
        ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        InetSocketAddress gone = (InetSocketAddress) ss.getLocalSocketAddress();
        ss.close();
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int code = Replay.report(Replay.run(echoCapture(true), options(gone, 0, Set.of())), gone,
                new PrintStream(report, true));
        assertEquals(1, code);
        assertTrue(report.toString().contains("3 failed [1, 2, 3]"), report.toString());
    }

    @Test
    void inboundOnlyDumpsReplayButCannotVerify() throws Exception {
        InetSocketAddress echo = server(b -> b, new ConcurrentHashMap<>());
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int code = Replay.report(Replay.run(echoCapture(false), options(echo, 0, Set.of())), echo,
                new PrintStream(report, true));
        assertEquals(0, code);
        assertTrue(report.toString().contains("no outbound captured"), report.toString());
    }

    @Test
    void layottoDumpsAreReadAsOnePseudoConnectionPerPortAndWindow() throws Exception {
        Path f = dir.resolve("dump_tcp_copy.log");
        Files.writeString(f, String.join("\n",
                "2024-05-06 07:08:09,5 [INFO] [w1][2045]61 62",
                "2024-05-06 07:08:09,50 [INFO] [w1][2046]78",
                "2024-05-06 07:08:10,120 [INFO] [w1][2045]63",
                "garbage",
                "2024-05-06 07:09:09,5 [INFO] [w2][2045]64", ""));
        Capture c = Capture.read(f);
        assertEquals("layotto", c.format());
        assertEquals(3, c.connections().size());
        assertEquals("abc", new String(c.connections().get(1L).bytes(FerryRecord.INBOUND), StandardCharsets.US_ASCII));
        assertEquals("port 2045", c.connections().get(1L).listener);
        assertEquals("x", new String(c.connections().get(2L).bytes(FerryRecord.INBOUND), StandardCharsets.US_ASCII));
        assertEquals(Set.of("w2"), c.connections().get(3L).windows);
        assertEquals(1, c.problems().size());
        assertTrue(c.problems().get(0).contains(":4: not a Layotto dump_tcp_copy.log line"), c.problems().get(0));
        assertEquals(115_000, c.connections().get(1L).data.get(1).timeMicros() - c.connections().get(1L).data.get(0).timeMicros() - 1_000_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Inspect.print(c, new PrintStream(out, true));
        assertTrue(out.toString().contains("layotto format, 4 records, 3 connections"), out.toString());
    }
}
