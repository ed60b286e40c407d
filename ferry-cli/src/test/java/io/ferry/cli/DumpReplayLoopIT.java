package io.ferry.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ferry dump replay --loop --report FILE}: passes until stopped (Ctrl-C), each reported, the partial report. */
class DumpReplayLoopIT {

    @TempDir
    Path dir;

    @Test
    void loopReplaysPassAfterPassUntilStoppedAndWritesTheReport() throws Exception {
        Path f = dump();
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> echo(ss));
            server.setDaemon(true);
            server.start();
            Path report = dir.resolve("report.json");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CompletableFuture<Void> stop = new CompletableFuture<>();
            CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> {
                try {
                    return new DumpCommand(new PrintStream(out, true), new PrintStream(err, true)).stopOn(stop)
                            .run(List.of("replay", f.toString(), "--target", "127.0.0.1:" + ss.getLocalPort(),
                                    "--speed", "max", "--loop", "--concurrency", "4", "--rate", "2000",
                                    "--report", report.toString()));
                } catch (Main.UsageException e) {
                    throw new IllegalStateException(e);
                }
            });
            // wait for a few passes, then stop as Ctrl-C does
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                while (!out.toString().contains("pass 3")) {
                    Thread.sleep(20);
                }
            });
            stop.complete(null);
            int exit = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> code.get());
            String text = out.toString();
            assertTrue(text.contains("pass 1: 20 connections in"), text);
            assertTrue(text.contains("replayed 20 connections to 127.0.0.1:" + ss.getLocalPort()
                    + ": 20 matched, 0 not verified, 0 mismatched, 0 failed"), text);
            assertTrue(text.contains("(interrupted)"), text);
            assertTrue(text.contains("latency, ms"), text);
            JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
            assertEquals(true, json.get("partial").getAsBoolean(), json.toString());
            assertEquals(4, json.get("concurrency").getAsInt());
            assertTrue(json.getAsJsonArray("passes").size() >= 3, json.toString());
            assertEquals(exit, json.get("exit_code").getAsInt());
            // every connection that finished matched; those Ctrl-C cut off are no verdict
            assertEquals(0, exit, text);
        }
    }

    /** A dump of 20 complete connections, each sending and getting back "hello ID". */
    private Path dump() throws IOException {
        Path f = dir.resolve(FerryFormat.FILE);
        try (OutputStream out = Files.newOutputStream(f)) {
            out.write(FerryFormat.header("host/1/ab"));
            for (long id = 1; id <= 20; id++) {
                byte[] p = ("hello " + id).getBytes(StandardCharsets.US_ASCII);
                out.write(FerryFormat.encode(FerryRecord.open(id * 1000, id, "w", "l", Endpoint.UNKNOWN_ENDPOINT,
                        Endpoint.UNKNOWN_ENDPOINT, false, 0, 0)));
                out.write(FerryFormat.encode(FerryRecord.data(id * 1000 + 1, id, FerryRecord.INBOUND, "w", "l", 0, p)));
                out.write(FerryFormat.encode(FerryRecord.data(id * 1000 + 2, id, FerryRecord.OUTBOUND, "w", "l", 0, p)));
                out.write(FerryFormat.encode(FerryRecord.close(id * 1000 + 3, id, "w", "l", p.length, p.length)));
            }
        }
        return f;
    }

    @Test
    void aReplayWithoutLoopInterruptedExits130AndCountsTheConnectionsItCutOff() throws Exception {
        Path f = dump();
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> silent(ss));               // takes the bytes, never answers
            server.setDaemon(true);
            server.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CompletableFuture<Void> stop = new CompletableFuture<>();
            DumpCommand command = new DumpCommand(new PrintStream(out, true),
                    new PrintStream(new ByteArrayOutputStream(), true)).stopOn(stop);
            CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> {
                try {
                    return command.run(List.of("replay", f.toString(), "--target", "127.0.0.1:" + ss.getLocalPort(),
                            "--speed", "max", "--idle-timeout", "60000", "--concurrency", "4"));
                } catch (Main.UsageException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                while (accepted < 4) {                                  // four connections open, waiting
                    Thread.sleep(20);
                }
            });
            stop.complete(null);
            int exit = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> code.get());
            String text = out.toString();
            assertEquals(DumpCommand.INTERRUPTED, exit, text);
            assertTrue(text.contains("0 mismatched, 0 failed, 4 interrupted"), text);
            assertTrue(text.contains("connection 1: sent 7 B, received 0 B, FAILED (interrupted)"), text);
        }
    }

    private volatile int accepted;

    private void silent(ServerSocket ss) {
        while (!ss.isClosed()) {
            try {
                Socket s = ss.accept();
                accepted++;
                Thread t = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream()) {
                        in.transferTo(OutputStream.nullOutputStream());
                        Thread.sleep(Long.MAX_VALUE);                   // and holds the connection open
                    } catch (IOException | InterruptedException ignored) {
                        // the client went away
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void echo(ServerSocket ss) {
        while (!ss.isClosed()) {
            try {
                Socket s = ss.accept();
                Thread t = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream o = s.getOutputStream()) {
                        byte[] b = new byte[4096];
                        for (int n = in.read(b); n >= 0; n = in.read(b)) {
                            o.write(b, 0, n);
                        }
                    } catch (IOException ignored) {
                        // the client went away
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }
}
