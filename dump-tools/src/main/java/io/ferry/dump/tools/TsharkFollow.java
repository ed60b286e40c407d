package io.ferry.dump.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads TCP streams of a capture file back through Wireshark's {@code tshark -q -z follow,tcp,raw,N}: what each
 * side sent, as tshark reassembles it. Used by {@code ferry dump pcap --verify} and by the tests to prove that a
 * converted dump gives back the captured bytes. Needs {@code tshark} on the {@code PATH}.
 */
public final class TsharkFollow {

    /** One followed stream: node 0 is the side that sent the first packet (the client). */
    public record Stream(String node0, String node1, byte[] fromNode0, byte[] fromNode1) {
    }

    private TsharkFollow() {
    }

    /** The {@code tshark} executable on the {@code PATH}, or {@code null}. */
    public static Path tshark() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "tshark");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Follows TCP stream {@code index} of {@code file}. */
    public static Stream follow(Path file, int index) throws IOException {
        String text = run(List.of("tshark", "-r", file.toString(), "-q", "-z", "follow,tcp,raw," + index));
        return parse(text);
    }

    /** What one TCP stream carried each way: bytes and their SHA-256, node 0 being the sender of its first packet. */
    public record Digest(long bytes0, long bytes1, byte[] sha0, byte[] sha1) {
    }

    /**
     * Every TCP stream of {@code file} in one pass of {@code tshark -T fields} (stream, source port, payload), digested
     * as it streams: time linear in the file's size, memory in the number of streams (two digests each), where
     * following each stream ({@link #follow}) would read the whole file once per stream. Segments are taken in file
     * order (Ferry's pcapng has neither retransmissions nor reordering). Returns the streams by index.
     */
    public static java.util.SortedMap<Integer, Digest> digests(Path file) throws IOException {
        Path t = tshark();
        if (t == null) {
            throw new IOException("tshark not found on the PATH (Debian: apt-get install tshark)");
        }
        final class Acc {
            final int port0;
            final java.security.MessageDigest[] md = {sha(), sha()};
            final long[] n = new long[2];

            Acc(int port0) {
                this.port0 = port0;
            }
        }
        java.util.Map<Integer, Acc> streams = new java.util.HashMap<>();
        Path errFile = Files.createTempFile("ferry-tshark", ".err");
        try {
            Process p = new ProcessBuilder(t.toString(), "-r", file.toString(), "-T", "fields", "-e", "tcp.stream",
                    "-e", "tcp.srcport", "-e", "tcp.payload").redirectError(errFile.toFile()).start();
            HexFormat hex = HexFormat.of();
            try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    p.getInputStream(), StandardCharsets.US_ASCII), 1 << 16)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String[] f = line.split("\t", -1);
                    if (f.length < 3 || f[0].isEmpty()) {
                        continue;
                    }
                    int stream = Integer.parseInt(f[0].trim());
                    int port = Integer.parseInt(f[1].trim());
                    Acc a = streams.computeIfAbsent(stream, k -> new Acc(port));
                    String payload = f[2].replace(":", "").trim();
                    if (!payload.isEmpty()) {
                        byte[] b = hex.parseHex(payload);
                        int d = port == a.port0 ? 0 : 1;
                        a.md[d].update(b);
                        a.n[d] += b.length;
                    }
                }
            }
            waitFor(p);
            if (p.exitValue() != 0) {
                throw new IOException("tshark -r " + file + " -T fields exited with " + p.exitValue() + ": "
                        + Files.readString(errFile).trim());
            }
        } catch (NumberFormatException e) {
            throw new IOException("tshark -T fields printed what is not a stream and port: " + e.getMessage());
        } finally {
            Files.deleteIfExists(errFile);
        }
        java.util.SortedMap<Integer, Digest> out = new java.util.TreeMap<>();
        streams.forEach((k, a) -> out.put(k, new Digest(a.n[0], a.n[1], a.md[0].digest(), a.md[1].digest())));
        return out;
    }

    private static java.security.MessageDigest sha() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The number of TCP streams tshark sees in {@code file}. */
    public static int streamCount(Path file) throws IOException {
        String text = run(List.of("tshark", "-r", file.toString(), "-T", "fields", "-e", "tcp.stream"));
        int max = -1;
        for (String line : text.split("\n")) {
            String t = line.trim();
            if (!t.isEmpty()) {
                max = Math.max(max, Integer.parseInt(t));
            }
        }
        return max + 1;
    }

    static Stream parse(String text) {
        String node0 = "";
        String node1 = "";
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        boolean body = false;
        HexFormat hex = HexFormat.of();
        for (String line : text.split("\n")) {
            if (line.startsWith("Node 0: ")) {
                node0 = line.substring(8).trim();
            } else if (line.startsWith("Node 1: ")) {
                node1 = line.substring(8).trim();
                body = true;
            } else if (body && line.startsWith("====")) {
                break;
            } else if (body && !line.isBlank()) {
                if (line.startsWith("\t")) {
                    b.writeBytes(hex.parseHex(line.trim()));
                } else {
                    a.writeBytes(hex.parseHex(line.trim()));
                }
            }
        }
        return new Stream(node0, node1, a.toByteArray(), b.toByteArray());
    }

    private static String run(List<String> command) throws IOException {
        List<String> cmd = new ArrayList<>(command);
        Path t = tshark();
        if (t == null) {
            throw new IOException("tshark not found on the PATH (Debian: apt-get install tshark)");
        }
        cmd.set(0, t.toString());
        Path errFile = Files.createTempFile("ferry-tshark", ".err");
        byte[] out;
        byte[] err;
        try {
            Process p = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            waitFor(p);
            err = Files.readAllBytes(errFile);
            if (p.exitValue() != 0) {
                throw new IOException("tshark " + String.join(" ", command.subList(1, command.size())) + " exited with "
                        + p.exitValue() + ": " + new String(err, StandardCharsets.UTF_8).trim());
            }
        } finally {
            Files.deleteIfExists(errFile);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static void waitFor(Process p) throws IOException {
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("tshark did not finish within 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for tshark");
        }
    }
}
