package io.ferry.dump.tools;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryRecord;
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

class ReplayIT {

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
            rs.add(FerryRecord.open(t, id, "w", "l", Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT, false, 0,
                    withOutbound ? 0 : FerryRecord.NOT_CAPTURED));
        }
        long[] offsets = new long[4];
        for (int k = 0; k < 4; k++) {
            for (long id = 1; id <= 3; id++) {
                byte[] p = ("conn" + id + "-msg" + k + ";").repeat(1 + (int) id * 300).getBytes(StandardCharsets.US_ASCII);
                t += 1000;
                rs.add(FerryRecord.data(t, id, FerryRecord.INBOUND, "w", "l", offsets[(int) id], p));
                if (withOutbound) {
                    rs.add(FerryRecord.data(t + 10, id, FerryRecord.OUTBOUND, "w", "l", offsets[(int) id], p));
                }
                offsets[(int) id] += p.length;
            }
        }
        for (long id = 1; id <= 3; id++) {
            rs.add(FerryRecord.close(t + 50, id, "w", "l", offsets[(int) id],
                    withOutbound ? offsets[(int) id] : FerryRecord.NOT_CAPTURED));
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
        assertTrue(text.contains("3 matched, 0 not verified, 0 mismatched, 0 failed"), text);
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
    void inboundOnlyDumpsReplayButCannotVerifyAndSaySoWithExitCodeThree() throws Exception {
        InetSocketAddress echo = server(b -> b, new ConcurrentHashMap<>());
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int code = Replay.report(Replay.run(echoCapture(false), options(echo, 0, Set.of())), echo,
                new PrintStream(report, true));
        String text = report.toString();
        assertEquals(Replay.UNVERIFIED, code, text);
        assertTrue(text.contains("connection 1: sent 13244 B, received 13244 B, not verified (the dump records no outbound"
                + " bytes: its OPEN record marks outbound as not captured (\"directions\": \"inbound\"))"), text);
        assertTrue(text.contains("0 matched, 3 not verified, 0 mismatched, 0 failed"), text);
    }

    /**
     * The dump: connection 1 complete, 2 abandoned by the capture budget after 2,048 B of its response, 3
     * truncated, 4 still open when the dump ends, 5 captured from mid-stream, 6 with records missing before its CLOSE.
     */
    static Capture incompleteCaptures() {
        TestDumps d = new TestDumps();
        byte[] one = TestDumps.bytes("one", 30_000);
        d.conn(1, "w", "l", 50001).open().in(one).out(one).close();
        byte[] two = TestDumps.bytes("two", 30_000);
        d.conn(2, "w", "l", 50002).open().in(two).out(java.util.Arrays.copyOf(two, 2048)).abandoned("rate_limit");
        byte[] three = TestDumps.bytes("three", 3000);
        d.conn(3, "w", "l", 50003).open().in(three).out(java.util.Arrays.copyOf(three, 1096)).truncated(4096);
        d.conn(4, "w", "l", 50004).open().in(TestDumps.bytes("four", 100)).out(TestDumps.bytes("four", 100));
        d.conn(5, "w", "l", 50005).open(true, 500, 500).in(TestDumps.bytes("five", 100))
                .out(TestDumps.bytes("five", 100)).close();
        byte[] six = TestDumps.bytes("six", 5000);
        d.conn(6, "w", "l", 50006).open().in(six).out(java.util.Arrays.copyOf(six, 1000)).close(5000, 5000);
        return Capture.of("issue", "edge-1/1/ab", d.records());
    }

    @Test
    void incompleteCapturesAreReportedAsSuchNeverAsMismatchesAndExitThree() throws Exception {
        InetSocketAddress echo = server(b -> b, new ConcurrentHashMap<>());
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> Replay.report(
                Replay.run(incompleteCaptures(), options(echo, 0, Set.of())), echo, new PrintStream(report, true)));
        String text = report.toString();
        assertEquals(Replay.UNVERIFIED, code, text);
        assertTrue(text.contains("connection 1: sent 30000 B, received 30000 B, matched\n"), text);
        assertTrue(text.contains("connection 2: sent 30000 B, received 30000 B, not verified (abandoned at 32048 B: "
                + "rate_limit; the 2048 bytes of response captured match)"), text);
        assertTrue(text.contains("connection 3: sent 3000 B, received 3000 B, not verified (truncated at 4096 B; the "
                + "1096 bytes of response captured match)"), text);
        assertTrue(text.contains("connection 4: sent 100 B, received 100 B, not verified (open when the dump ends; the"
                + " 100 bytes of response captured match)"), text);
        assertTrue(text.contains("connection 5: sent 100 B, received 100 B, not verified (closed; mid-stream start "
                + "(inbound from byte 500, outbound from byte 500); the 100 bytes of response captured match)"), text);
        assertTrue(text.contains("connection 6: sent 5000 B, received 5000 B, not verified (incomplete: outbound bytes "
                + "1000 to 5000 missing; the 1000 bytes of response captured match)"), text);
        assertTrue(text.contains("1 matched, 5 not verified, 0 mismatched, 0 failed"), text);
        assertTrue(!text.contains("MISMATCH") && !text.contains("directions"), text);
    }

    @Test
    void aMismatchOfACompleteConnectionExitsOneWhateverTheIncompleteOnesSay() throws Exception {
        InetSocketAddress upper = server(b -> new String(b, StandardCharsets.US_ASCII).toUpperCase()
                .getBytes(StandardCharsets.US_ASCII), new ConcurrentHashMap<>());
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> Replay.report(
                Replay.run(incompleteCaptures(), options(upper, 0, Set.of())), upper, new PrintStream(report, true)));
        String text = report.toString();
        assertEquals(1, code, text);
        assertTrue(text.contains("connection 1: sent 30000 B, received 30000 B, MISMATCH (first difference at byte 0:"
                + " expected 0x6f, got 0x4f)"), text);
        assertTrue(text.contains("connection 2: sent 30000 B, received 30000 B, not verified (abandoned at 32048 B: "
                + "rate_limit; the captured response differs at byte 0: expected 0x74, got 0x54)"), text);
        assertTrue(text.contains("0 matched, 5 not verified, 1 mismatched [1], 0 failed"), text);
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
        assertEquals(Set.of("w2"), c.connections().get(3L).windows());
        assertEquals(1, c.problems().size());
        assertTrue(c.problems().get(0).contains(":4: not a Layotto dump_tcp_copy.log line"), c.problems().get(0));
        assertEquals(115_000, c.connections().get(1L).data.get(1).timeMicros() - c.connections().get(1L).data.get(0).timeMicros() - 1_000_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Inspect.print(c, new PrintStream(out, true));
        assertTrue(out.toString().contains("layotto format, 4 records, 3 connections"), out.toString());

        // replayed, it says up front that every line is sent as the client's, and nothing is verified
        assertTrue(Replay.warning(c).startsWith("note: " + f + " is a Layotto dump_tcp_copy.log: it records no "
                + "direction and no connection"), Replay.warning(c));
        InetSocketAddress echo = server(b -> b, new ConcurrentHashMap<>());
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        int code = Replay.report(Replay.run(c, options(echo, 0, Set.of())), echo, new PrintStream(report, true));
        assertEquals(Replay.UNVERIFIED, code, report.toString());
        assertTrue(report.toString().contains("connection 1: sent 3 B, received 3 B, not verified (a Layotto "
                + "dump_tcp_copy.log records no direction: there is no response to compare with, and every line was "
                + "sent as the client's)"), report.toString());
        assertTrue(!report.toString().contains("\"directions\": \"inbound\""), "no false cause: " + report);
    }

    @Test
    void malformedLayottoLinesAreReportedWithTheirLineNumbersAndSkipped() throws Exception {
        Path f = dir.resolve("dump_tcp_copy.log");
        Files.writeString(f, String.join("\n",
                "2024-05-06 07:08:09,5 [INFO] [w1][2045]61 62",
                "2024-02-30 07:08:09,5 [INFO] [w1][2045]63",
                "2024-05-06 25:08:09,5 [INFO] [w1][2045]63",
                "2024-05-06 07:08:09,5 [INFO] [w1][2045]6 3",
                "2024-05-06 07:08:09,5 [INFO] [w1][2045]zz",
                "2024-05-06 07:08:09,5 [INFO] [w1][99999]63",
                "2024-05-06 07:08:09,5 [INFO] [w1][a b]63",
                "2024-05-06 07:08:09,5 [INFO] [w1][]63",
                "2024-05-06 07:08:10,6 [INFO] [w1][2045]63", ""));
        Capture c = Capture.read(f);
        assertEquals("abc", new String(c.connections().get(1L).bytes(FerryRecord.INBOUND), StandardCharsets.US_ASCII));
        assertEquals(List.of(
                f + ":2: time \"2024-02-30 07:08:09,5\" (expected: a date and time that exist, YYYY-MM-DD hh:mm:ss,ms);"
                        + " the line is skipped",
                f + ":3: time \"2024-05-06 25:08:09,5\" (expected: a date and time that exist, YYYY-MM-DD hh:mm:ss,ms);"
                        + " the line is skipped",
                f + ":4: bytes \"6 3\" (expected: two-digit hex pairs separated by spaces); the line is skipped",
                f + ": 7 lines in all could not be read"), c.problems());
        // the other four, one by one
        Files.writeString(f, String.join("\n",
                "2024-05-06 07:08:09,5 [INFO] [w1][2045]zz",
                "2024-05-06 07:08:09,5 [INFO] [w1][99999]63",
                "2024-05-06 07:08:09,5 [INFO] [w1][a b]63",
                "2024-05-06 07:08:09,5 [INFO] [w1][]63",
                "2024-05-06 07:08:09,5 [INFO] [w1][app_sock]63", ""));
        c = Capture.read(f);
        assertEquals(List.of(1L), List.copyOf(c.connections().keySet()), "a unix listener's name is a valid port");
        assertEquals(List.of(
                f + ":1: bytes \"zz\" (expected: two-digit hex pairs separated by spaces); the line is skipped",
                f + ":2: port \"99999\" (expected: a TCP port 0-65535 or a unix listener name); the line is skipped",
                f + ":3: port \"a b\" (expected: a TCP port 0-65535 or a unix listener name); the line is skipped",
                f + ": 4 lines in all could not be read"), c.problems());
    }
}
