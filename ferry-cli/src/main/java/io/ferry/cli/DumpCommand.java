package io.ferry.cli;

import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.DumpSource;
import io.ferry.dump.spi.Selection;
import io.ferry.dump.tools.Capture;
import io.ferry.dump.tools.Inspect;
import io.ferry.dump.tools.PcapConverter;
import io.ferry.dump.tools.Replay;
import io.ferry.dump.tools.TsharkFollow;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code ferry dump ...}: tools for tcpcopy dumps. A SOURCE is a Ferry dump file, a dump directory, a Layotto
 * {@code dump_tcp_copy.log}, or a URI served by a {@link io.ferry.dump.spi.DumpSource} on the class path or in the
 * plugin directory: {@code kafka://HOST:PORT[,HOST:PORT...]/TOPIC} reads the records the Kafka dump sink wrote
 * (module {@code dump-kafka}, a plugin in the default plugin directory).
 *
 * <pre>
 * ferry dump inspect SOURCE [SELECTION]
 * ferry dump pcap SOURCE OUT [--verify] [SELECTION]
 * ferry dump replay SOURCE --target HOST:PORT [--speed 1x|10x|max|Nx] [--idle-timeout MS] [SELECTION]
 *
 * SELECTION: [--window ID]... [--connection ID|INSTANCE/ID]... [--since T] [--until T]
 * </pre>
 * {@code --window} and {@code --connection} repeat (a {@code --connection} may also be followed by more plain ids);
 * {@code --since} (inclusive) and {@code --until} (exclusive) take an ISO-8601 instant or epoch milliseconds and
 * select records by capture time. A connection is named by the id the tools show or by its key
 * {@code INSTANCE/ID} (the capturing proxy and its own connection id; ids of different proxies collide, so a topic
 * holding several proxies' captures shows them renumbered, see {@link Capture}).
 * Exit codes: 0 success; 1 the dump cannot be read, a selected connection does not exist, a replayed connection
 * mismatched or failed, or {@code --verify} found a difference; 2 a usage error; 3 (replay) every connection that
 * could be verified matched, but some could not be verified (their capture is not complete, or the dump records no
 * response). Damage in a dump is not an error: the reader skips it and says where (file and offset). Runs on the
 * calling thread (replay uses one thread per connection) and returns when done. {@code inspect} and {@code pcap} read
 * files in memory that grows with the number of connections, not with their bytes.
 */
final class DumpCommand {


    static final String USAGE_TEXT = String.join("\n",
            "  dump inspect SOURCE [SELECTION]",
            "                 list the connections of a dump: instance, listener, addresses, windows, bytes per",
            "                 direction and status (complete, truncated, abandoned and why, open when the dump",
            "                 ends, incomplete), connections refused per window, totals named as in the stats",
            "  dump pcap SOURCE OUT [--verify] [SELECTION]",
            "                 convert a dump to pcapng for Wireshark/tshark (--verify: check with tshark that",
            "                 following each TCP stream gives back the captured bytes)",
            "  dump replay SOURCE --target HOST:PORT [--speed 1x|10x|max] [--idle-timeout MS] [SELECTION]",
            "                 re-send each connection's client bytes to HOST:PORT and compare the answers with the",
            "                 captured responses; exits 1 if any connection mismatched or failed, 3 if all that",
            "                 could be verified matched but some captures are incomplete or have no response",
            "                 SOURCE: a Ferry dump, a dump dir, a Layotto dump_tcp_copy.log, or",
            "                 kafka://HOST:PORT[,HOST:PORT...]/TOPIC (what the kafka dump sink wrote)",
            "                 SELECTION: --window ID, --connection ID|INSTANCE/ID (both repeatable),",
            "                 --since T, --until T (record capture time; T: 2026-11-26T06:00:00Z or epoch ms)",
            "");

    private final PrintStream out;
    private final PrintStream err;
    /** The sources of URIs, asked for only when a SOURCE is a URI other than {@code file://}. */
    private final Iterable<DumpSource> sources;

    /** With the {@link DumpSource}s of the class path only. */
    DumpCommand(PrintStream out, PrintStream err) {
        this(out, err, Capture::classPathSources);
    }

    /**
     * @param sources the {@link DumpSource}s of URIs (the CLI's: those the filter registry finds on the class path and
     *                in the plugin directory); called once, and only if a URI needs them
     */
    DumpCommand(PrintStream out, PrintStream err, Supplier<List<DumpSource>> sources) {
        this.out = out;
        this.err = err;
        Supplier<List<DumpSource>> once = new Supplier<>() {
            private List<DumpSource> found;

            @Override
            public synchronized List<DumpSource> get() {
                if (found == null) {
                    found = List.copyOf(sources.get());
                }
                return found;
            }
        };
        this.sources = () -> once.get().iterator();
    }

    /** The parsed arguments of one tool: its positional arguments, its own options, and the selection. */
    private static final class Args {
        final List<String> positional = new ArrayList<>();
        final Map<String, String> options = new HashMap<>();
        final Set<String> flags = new HashSet<>();
        Selection selection = Selection.ALL;
    }

    int run(List<String> args) throws Main.UsageException {
        if (args.isEmpty()) {
            throw new Main.UsageException("dump: missing subcommand (expected: inspect, pcap or replay)");
        }
        String sub = args.get(0);
        List<String> rest = args.subList(1, args.size());
        quietKafkaClientLogs();
        try {
            return switch (sub) {
                case "inspect" -> inspect(parse(sub, rest, Set.of(), Set.of()));
                case "pcap" -> pcap(parse(sub, rest, Set.of(), Set.of("--verify")), rest);
                case "replay" -> replay(parse(sub, rest, Set.of("--target", "--speed", "--idle-timeout"), Set.of()));
                default -> throw new Main.UsageException("dump: unknown subcommand " + sub + " (expected: inspect, pcap or replay)");
            };
        } catch (IOException e) {
            err.println("ferry dump " + sub + ": " + e.getMessage());
            return Main.FAILED;
        } catch (RuntimeException e) {
            // a defect, not the input's fault: still one line, never a stack trace
            err.println("ferry dump " + sub + ": internal error: " + e + " (please report it, with the command)");
            return Main.FAILED;
        }
    }

    /**
     * A {@code kafka://} source logs through kafka-clients, whose INFO lines (its whole configuration) and connection
     * warnings would bury the tool's output; the tool reports what went wrong itself. Leaves a level set by the
     * user's logging config alone.
     */
    private static void quietKafkaClientLogs() {
        if (LoggerFactory.getLogger("org.apache.kafka") instanceof ch.qos.logback.classic.Logger l && l.getLevel() == null) {
            l.setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }

    /** Splits {@code args} into positional arguments, the tool's options and the selection options. */
    private static Args parse(String sub, List<String> args, Set<String> valued, Set<String> flags)
            throws Main.UsageException {
        Args a = new Args();
        List<String> windows = new ArrayList<>();
        List<String> connections = new ArrayList<>();
        Instant since = null;
        Instant until = null;
        try {
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "--window" -> windows.add(value(sub, args, ++i, arg));
                    case "--connection" -> {
                        connections.add(value(sub, args, ++i, arg));
                        while (i + 1 < args.size() && args.get(i + 1).matches("\\d+")) {
                            connections.add(args.get(++i));    // --connection 1 2 3
                        }
                    }
                    case "--since" -> since = Selection.parseTime(arg, value(sub, args, ++i, arg));
                    case "--until" -> until = Selection.parseTime(arg, value(sub, args, ++i, arg));
                    default -> {
                        if (valued.contains(arg)) {
                            a.options.put(arg, value(sub, args, ++i, arg));
                        } else if (flags.contains(arg)) {
                            a.flags.add(arg);
                        } else if (arg.startsWith("--")) {
                            throw new Main.UsageException("dump " + sub + ": unexpected argument " + arg);
                        } else {
                            a.positional.add(arg);
                        }
                    }
                }
            }
            a.selection = Selection.of(windows, connections, since, until);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("dump " + sub + ": " + e.getMessage());
        }
        return a;
    }

    /**
     * Reads the selection of {@code source}, keeping its records ({@code keep}) or only its summaries (then files are
     * read again for the records); a named window or connection that is not there is an error.
     */
    private Capture read(String source, Selection selection, boolean keep, boolean digests) throws IOException {
        Capture c = keep ? Capture.read(source, selection, sources) : Capture.scan(source, selection, digests, sources);
        for (String p : c.problems()) {
            err.println("warning: " + p);
        }
        if (!c.unmatchedWindows().isEmpty()) {
            throw new IOException("--window " + String.join(" ", c.unmatchedWindows()) + ": no such window in " + source
                    + " (expected one of " + (c.windowsSeen().isEmpty() ? "none: it holds no window ids"
                    : String.join(", ", c.windowsSeen())) + "; ./ferry dump inspect " + source + " lists them)");
        }
        if (!c.unmatched().isEmpty()) {
            Selection sel = c.selection();
            throw new IOException("--connection " + String.join(" ", c.unmatched()) + ": no such connection in "
                    + source + (sel.windows().isEmpty() && sel.sinceMicros() == Long.MIN_VALUE
                    && sel.untilMicros() == Long.MAX_VALUE ? "" : " within the selected windows and time")
                    + " (expected one of " + c.available() + ")");
        }
        return c;
    }

    private int inspect(Args a) throws Main.UsageException, IOException {
        if (a.positional.size() != 1) {
            throw new Main.UsageException("dump inspect: expected exactly one SOURCE, got " + a.positional);
        }
        Inspect.print(read(a.positional.get(0), a.selection, false, false), out);
        return Main.OK;
    }

    private int pcap(Args a, List<String> args) throws Main.UsageException, IOException {
        if (a.positional.size() != 2) {
            throw new Main.UsageException("dump pcap: expected IN OUT [--verify], got " + args);
        }
        boolean verify = a.flags.contains("--verify");
        if (verify && TsharkFollow.tshark() == null) {
            err.println("ferry dump pcap: --verify needs tshark on the PATH (Debian: apt-get install tshark)");
            return Main.FAILED;
        }
        Capture c = read(a.positional.get(0), a.selection, false, verify);
        Path target = Path.of(a.positional.get(1));
        long packets = PcapConverter.convert(c, target);
        long incomplete = c.connections().values().stream().filter(k -> !k.status().complete()).count();
        out.printf("wrote %s: %d packets, %d connections (pcapng, Ethernet/IP/TCP)%s%n", target, packets,
                c.connections().size(), incomplete == 0 ? "" : "; " + incomplete + " not complete, marked in their"
                + " packet comments");
        if (!verify) {
            return Main.OK;
        }
        int streams = TsharkFollow.streamCount(target);
        List<Capture.Conn> conns = c.connections().values().stream()
                .filter(k -> k.openSeen || k.inboundRecords + k.outboundRecords > 0).toList();
        int bad = 0;
        for (int i = 0; i < streams && i < conns.size(); i++) {
            TsharkFollow.Stream s = TsharkFollow.follow(target, i);
            Capture.Conn k = conns.get(i);
            boolean ok = s.fromNode0().length == k.inboundBytes && s.fromNode1().length == k.outboundBytes
                    && Arrays.equals(sha256(s.fromNode0()), k.digest(FerryRecord.INBOUND))
                    && Arrays.equals(sha256(s.fromNode1()), k.digest(FerryRecord.OUTBOUND));
            bad += ok ? 0 : 1;
            out.printf("tcp stream %d = connection %d%s: %s%n", i, k.id, c.renumbered() ? " (" + k.key() + ")" : "",
                    (ok ? "bytes match in both directions"
                    : "DIFFERENT (tshark " + s.fromNode0().length + "/" + s.fromNode1().length + " B, captured "
                    + k.inboundBytes + "/" + k.outboundBytes + " B)")
                    + (k.status().complete() ? "" : "; capture " + k.status().text()));
        }
        if (streams != conns.size()) {
            out.printf("tshark sees %d TCP streams for %d connections%n", streams, conns.size());
            bad++;
        }
        return bad == 0 ? Main.OK : Main.FAILED;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private int replay(Args a) throws Main.UsageException, IOException {
        if (a.positional.size() > 1) {
            throw new Main.UsageException("dump replay: unexpected argument " + a.positional.get(1));
        }
        if (a.positional.isEmpty()) {
            throw new Main.UsageException("dump replay: missing SOURCE");
        }
        String target = a.options.get("--target");
        if (target == null) {
            throw new Main.UsageException("dump replay: missing --target HOST:PORT");
        }
        InetSocketAddress address = hostPort(target);
        double speed = a.options.containsKey("--speed") ? speed(a.options.get("--speed")) : 1.0;
        long idle = a.options.containsKey("--idle-timeout") ? number(a.options.get("--idle-timeout"), "--idle-timeout") : 2000;
        Capture c = read(a.positional.get(0), a.selection, true, false);
        String warning = Replay.warning(c);
        if (warning != null) {
            out.println(warning);
        }
        try {
            List<Replay.Result> results = Replay.run(c, new Replay.Options(address, speed, Set.of(), idle, 10_000));
            return Replay.report(results, address, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("ferry dump replay: interrupted");
            return Main.FAILED;
        }
    }

    private static String value(String sub, List<String> args, int i, String flag) throws Main.UsageException {
        if (i >= args.size()) {
            throw new Main.UsageException("dump " + sub + ": " + flag + " needs a value");
        }
        return args.get(i);
    }

    private static long number(String v, String flag) throws Main.UsageException {
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new Main.UsageException("dump replay: " + flag + " " + v + " (expected: a non-negative integer)");
    }

    /** {@code max} (0: no pacing), or {@code Nx} / {@code N} with N &gt; 0 (a speed factor). */
    static double speed(String v) throws Main.UsageException {
        if (v.equals("max")) {
            return 0;
        }
        String n = v.endsWith("x") ? v.substring(0, v.length() - 1) : v;
        try {
            double d = Double.parseDouble(n);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new Main.UsageException("dump replay: --speed " + v + " (expected: 1x, 10x, another factor like 2.5x, or max)");
    }

    static InetSocketAddress hostPort(String v) throws Main.UsageException {
        int colon = v.lastIndexOf(':');
        if (colon > 0) {
            String host = v.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(v.substring(colon + 1));
                if (port > 0 && port < 65536) {
                    return new InetSocketAddress(host, port);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new Main.UsageException("dump replay: --target " + v + " (expected: HOST:PORT, e.g. 127.0.0.1:8080)");
    }
}
