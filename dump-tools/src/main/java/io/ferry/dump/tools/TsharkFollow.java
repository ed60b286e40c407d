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
