package io.ferry.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI behaves like the tools people know: help per command, a second stop signal, the launcher's JVM flags. */
class CliBehaviourIT {

    @TempDir
    Path dir;

    /** What a process started under {@code cmd} prints and its exit code, or null if it ran past 60 s. */
    private static String[] run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        return new String[] {Integer.toString(p.exitValue()), new String(out, StandardCharsets.UTF_8)};
    }

    @Test
    void aTproxyListenerWithoutTheCapabilityIsRefusedInOneLineNamingIt() throws Exception {
        List<String> dropCaps = List.of("setpriv", "--bounding-set=-net_admin,-net_raw",
                "--inh-caps=-net_admin,-net_raw");
        String[] probe;
        try {
            probe = run(concat(dropCaps, List.of("true")));
        } catch (IOException noSetpriv) {
            probe = null;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(probe != null && probe[0].equals("0"),
                "setpriv cannot drop capabilities here: " + (probe == null ? "not found" : probe[1]));
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(),
                "transparent listeners need the native epoll transport");
        Path config = Files.writeString(dir.resolve("tproxy.json"), """
                {"servers": [{"listeners": [{"name": "t", "address": "127.0.0.1:0", "bind_port": true,
                  "use_original_dst": "tproxy",
                  "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "a"}}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "a", "type": "ORIGINAL_DST", "lb_type": "LB_ORIGINAL_DST"}]}}
                """);
        String[] r = run(concat(dropCaps, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "start", "-c", config.toString())));
        assertTrue(r != null, "ferry start did not end within 60 s");
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].contains("ferry: servers[0].listeners[0].use_original_dst: \"tproxy\" (expected: a listener this"
                + " process may make transparent (IP_TRANSPARENT needs CAP_NET_ADMIN or CAP_NET_RAW)"), r[1]);
        assertFalse(r[1].contains("\tat "), "no stack trace: " + r[1]);
    }

    /** More connections than the heap holds summaries of: one line saying so and what to do, exit code 1. */
    @Test
    void aDumpWithMoreConnectionsThanTheHeapHoldsIsOneLineNotAStackTrace() throws Exception {
        Path dump = dir.resolve("many.ferry");
        io.ferry.dump.format.Endpoint client = io.ferry.dump.format.Endpoint.of(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40000));
        io.ferry.dump.format.Endpoint proxy = io.ferry.dump.format.Endpoint.of(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 2045));
        try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(dump), 1 << 16)) {
            out.write(io.ferry.dump.format.FerryFormat.header("many/1"));
            long t = 1_800_000_000_000_000L;
            for (long id = 1; id <= 60_000; id++) {
                out.write(io.ferry.dump.format.FerryFormat.encode(io.ferry.dump.format.FerryRecord.open(t++, id, "w",
                        "l", client, proxy, false, 0, 0)));
                out.write(io.ferry.dump.format.FerryFormat.encode(io.ferry.dump.format.FerryRecord.close(t++, id, "w",
                        "l", 0, 0)));
            }
        }
        String[] r = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx24m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "dump", "inspect",
                dump.toString()));
        assertTrue(r != null, "ferry dump inspect did not end within 60 s");
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].startsWith("ferry dump inspect: out of memory: "), r[1]);
        assertTrue(r[1].contains("expected: more heap, FERRY_JAVA_OPTS=-XmxSIZE"), r[1]);
        assertEquals(1, r[1].lines().count(), r[1]);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void everyCommandHasHelpWithExamplesBothWays() {
        for (String command : List.of("start", "filters", "demo", "dump", "version", "help")) {
            CliRun flag = CliRun.ferry(command, "--help");
            assertEquals(0, flag.code(), command + ": " + flag.err());
            assertTrue(flag.out().startsWith("usage: ferry " + command), command + ": " + flag.out());
            assertTrue(flag.out().contains("example"), command + " has examples: " + flag.out());
            assertEquals("", flag.err());
            assertEquals(flag, CliRun.ferry("help", command), "ferry help " + command);
            assertEquals(flag, CliRun.ferry(command, "-h"), command + " -h");
        }
        assertTrue(CliRun.ferry("start", "--help").out().contains("a second one during the drain stops at once"));
        assertEquals(CliRun.ferry("dump", "--help"), CliRun.ferry("dump", "inspect", "--help"), "dump's subcommands");
        assertEquals(CliRun.ferry("dump", "--help"), CliRun.ferry("dump", "replay", "some.dump", "--target", "x", "-h"));
        CliRun unknown = CliRun.ferry("help", "nope");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith("ferry: help: unknown command nope (expected: one of start, filters, demo,"
                + " dump, version, help)"), unknown.err());
        assertTrue(CliRun.ferry("help").out().contains("help [COMMAND]"), "the general usage points to it");
    }

    /**
     * A real {@code ferry start} process with a 60 s graceful timeout and a client connection that stays open: SIGINT
     * starts the drain (no new connections, the open one still served), a SIGTERM during the drain stops it at once.
     * Where SIGINT is ignored from the start ({@link #firstSignal()}), SIGTERM starts the drain instead.
     */
    @Test
    void aSecondSignalDuringTheDrainStopsAtOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            try (EchoServer echo = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                int port;
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    port = s.getLocalPort();
                }
                Path config = Files.writeString(dir.resolve("ferry.json"), "{\"servers\":[{\"graceful_timeout\":\"60s\","
                        + "\"listeners\":[{\"name\":\"l\",\"address\":\"127.0.0.1:" + port + "\",\"bind_port\":true,"
                        + "\"filter_chains\":[{\"filters\":[{\"type\":\"tcp_proxy\",\"config\":{\"cluster\":\"echo\"}}]}]}]}],"
                        + "\"cluster_manager\":{\"clusters\":[{\"name\":\"echo\",\"hosts\":[{\"address\":\"127.0.0.1:"
                        + echo.address().getPort() + "\"}]}]}}");
                Path log = dir.resolve("ferry.out");
                Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "start", "-c",
                        config.toString())
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                try {
                    InetSocketAddress listener = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                    Socket client = connectWithin(listener, Duration.ofSeconds(60), p);
                    client.setSoTimeout(10_000);
                    assertEchoes(client, "before");

                    new ProcessBuilder("kill", firstSignal(), Long.toString(p.pid())).start().waitFor();
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (accepts(listener) && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertFalse(accepts(listener), "the first signal stops accepting");
                    assertTrue(p.isAlive(), "and drains: the process waits for the open connection");
                    assertEchoes(client, "during the drain");

                    p.destroy();   // SIGTERM, the second signal
                    assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the second signal stops it at once, not after 60 s: "
                            + Files.readString(log));
                    assertEquals(0, p.exitValue(), Files.readString(log));
                    assertEquals(-1, client.getInputStream().read(), "the open connection was closed");
                    String out = Files.readString(log);
                    assertTrue(out.contains("a second Ctrl-C or SIGTERM stops at once"), out);
                    assertTrue(out.contains("second stop signal: closing every connection now"), out);
                } finally {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        });
    }

    private static Socket connectWithin(InetSocketAddress address, Duration timeout, Process p) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Socket s = new Socket();
            try {
                s.connect(address, 1_000);
                return s;
            } catch (ConnectException e) {
                s.close();
                assertTrue(p.isAlive(), "ferry start exited with " + (p.isAlive() ? "" : p.exitValue()));
                assertTrue(System.nanoTime() < deadline, "ferry start did not listen within " + timeout);
                Thread.sleep(50);
            }
        }
    }

    /**
     * {@code -INT}, unless this JVM was started with SIGINT ignored (a background job of a non-interactive shell):
     * the child inherits that, the JVM then leaves SIGINT ignored as any process would, and only SIGTERM can start
     * the drain.
     */
    private static String firstSignal() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                long ignored = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                return (ignored & (1L << (2 - 1))) != 0 ? "-TERM" : "-INT";
            }
        }
        return "-INT";
    }

    private static boolean accepts(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 1_000);
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }

    private static void assertEchoes(Socket s, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        OutputStream out = s.getOutputStream();
        out.write(b);
        out.flush();
        byte[] back = new byte[b.length];
        new DataInputStream(s.getInputStream()).readFully(back);
        assertArrayEquals(b, back);
    }

    /** The launcher adds --enable-native-access=ALL-UNNAMED on JDKs that warn about native access (24 and later) only. */
    @Test
    void theLauncherGrantsNativeAccessOnlyOnJdksThatWarn() throws Exception {
        Path launcher = Path.of("..", "ferry").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(launcher), launcher.toString());
        Path fakeJava = dir.resolve("java");
        Files.writeString(fakeJava, String.join("\n",
                "#!/bin/sh",
                "for a in \"$@\"; do",
                "  if [ \"$a\" = -version ]; then",
                "    echo \"    java.specification.version = $FAKE_SPEC\" >&2",
                "    echo \"    java.vm.specification.version = $FAKE_SPEC\" >&2",
                "    exit 0",
                "  fi",
                "done",
                "printf '%s\\n' \"$@\"",
                ""));
        assertTrue(fakeJava.toFile().setExecutable(true));
        for (String spec : List.of("17", "21", "23", "24", "25")) {
            ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "version").redirectErrorStream(true);
            pb.environment().put("JAVA", fakeJava.toString());
            pb.environment().put("FERRY_JAR", dir.resolve("ferry.jar").toString());
            pb.environment().put("FAKE_SPEC", spec);
            pb.environment().put("FERRY_PLUGINS_DIR", dir.resolve("no-plugins").toString());   // absent: not passed
            pb.environment().remove("FERRY_JAVA_OPTS");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            List<String> args = out.lines().toList();
            List<String> expected = Integer.parseInt(spec) >= 24
                    ? List.of("--enable-native-access=ALL-UNNAMED", "-jar", dir.resolve("ferry.jar").toString(), "version")
                    : List.of("-jar", dir.resolve("ferry.jar").toString(), "version");
            assertEquals(expected, args, "JDK " + spec);
        }
    }

    /** The launcher passes its default plugin directory (the build's, or FERRY_PLUGINS_DIR) when it exists. */
    @Test
    void theLauncherPassesTheDefaultPluginDirectoryWhenItExists() throws Exception {
        Path launcher = Path.of("..", "ferry").toAbsolutePath().normalize();
        Path fakeJava = dir.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = -version ] && exit 0; done\n"
                + "printf '%s\\n' \"$@\"\n");
        assertTrue(fakeJava.toFile().setExecutable(true));
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "filters").redirectErrorStream(true);
        pb.environment().put("JAVA", fakeJava.toString());
        pb.environment().put("FERRY_JAR", dir.resolve("ferry.jar").toString());
        pb.environment().put("FERRY_PLUGINS_DIR", plugins.toString());
        pb.environment().remove("FERRY_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(List.of("-D" + Main.PLUGINS_DIR_PROPERTY + "=" + plugins, "-jar",
                dir.resolve("ferry.jar").toString(), "filters"), out.lines().toList());
    }
}
