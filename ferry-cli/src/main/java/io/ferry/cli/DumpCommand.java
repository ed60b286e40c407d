package io.ferry.cli;

import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.spi.DumpSource;
import io.ferry.dump.spi.Selection;
import io.ferry.dump.tools.Capture;
import io.ferry.dump.tools.Inspect;
import io.ferry.dump.tools.PcapConverter;
import io.ferry.dump.tools.Replay;
import io.ferry.dump.tools.ReplayReport;
import io.ferry.dump.tools.TsharkFollow;
import io.ferry.dump.tools.Verdicts;
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
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code ferry dump ...}: tools for tcpcopy dumps. A SOURCE is a Ferry dump file, a dump directory (Ferry files, or
 * the pcapng files of {@code "format": "pcapng"}), a pcapng file Ferry wrote, a Layotto {@code dump_tcp_copy.log}, or
 * a URI served by a {@link io.ferry.dump.spi.DumpSource} on the class path or in the
 * plugin directory: {@code kafka://HOST:PORT[,HOST:PORT...]/TOPIC} reads the records the Kafka dump sink wrote
 * (module {@code dump-kafka}, a plugin in the default plugin directory).
 *
 * <pre>
 * ferry dump inspect SOURCE [SELECTION]          (SOURCE may also be a tcp_mirror verdict log)
 * ferry dump pcap SOURCE OUT [--verify] [SELECTION]
 * ferry dump replay SOURCE --target HOST:PORT [--speed 1x|10x|max|Nx] [--idle-timeout MS] [--concurrency N]
 *                   [--rate CONN/S] [--loop] [--report FILE] [SELECTION]
 *
 * SELECTION: [--window ID]... [--connection ID|INSTANCE/ID]... [--since T] [--until T]
 * Every tool also takes --plugins-dir DIR (the jars of DIR serve SOURCE URIs; default: the default plugin directory)
 * </pre>
 * {@code --window} and {@code --connection} repeat (a {@code --connection} may also be followed by more plain ids);
 * {@code --since} (inclusive) and {@code --until} (exclusive) take an ISO-8601 instant or epoch milliseconds and
 * select records by capture time. A connection is named by the id the tools show or by its key
 * {@code INSTANCE/ID} (the capturing proxy and its own connection id; ids of different proxies collide, so a topic
 * holding several proxies' captures shows them renumbered, see {@link Capture}).
 * Exit codes: 0 success; 1 the dump cannot be read, a selected connection does not exist, a replayed connection
 * mismatched or failed, or {@code --verify} found a difference; 2 a usage error; 3 (replay) every connection that
 * could be verified matched, but some could not be verified (their capture is not complete, or the dump records no
 * response); 130 (replay without {@code --loop}) interrupted before its end, nothing mismatched or failed so far. The
 * connections an interrupt cuts off are counted as interrupted, not as verdicts, so a {@code --loop} ended by Ctrl-C
 * exits by the verdicts of the connections that finished. Damage in a dump is not an error: the reader skips it and says where (file and offset). Runs on the
 * calling thread (replay's connections run on a few event loop threads, at most {@code --concurrency} open at once)
 * and returns when done; a first SIGINT ends a replay with the report of what is done (and {@code --report}
 * written). {@code inspect}, {@code pcap} and {@code replay} read files in memory that grows with the number of
 * connections, not with their bytes.
 */
final class DumpCommand {


    static final String USAGE_TEXT = String.join("\n",
            "  dump inspect SOURCE [SELECTION]",
            "                 list the connections of a dump: instance, listener, addresses, windows, bytes per",
            "                 direction and status (complete, truncated, abandoned and why, open when the dump",
            "                 ends, incomplete), connections refused per window, totals named as in the stats",
            "                 (SOURCE may also be a tcp_mirror verdict log: verdicts by kind, listener and",
            "                 reason, latency percentiles of primary and shadow, the verdicts that differ)",
            "  dump pcap SOURCE OUT [--verify] [SELECTION]",
            "                 convert a dump to pcapng for Wireshark/tshark (--verify: check with tshark that",
            "                 following each TCP stream gives back the captured bytes)",
            "  dump replay SOURCE --target HOST:PORT [--speed 1x|10x|Nx|max] [--idle-timeout MS]",
            "              [--concurrency N] [--rate CONN/S] [--loop] [--report FILE] [SELECTION]",
            "                 re-send each connection's client bytes to HOST:PORT and compare the answers with the",
            "                 captured responses; exits 1 if any connection mismatched or failed, 3 if all that",
            "                 could be verified matched but some captures are incomplete or have no response.",
            "                 --concurrency: most connections open at once (default 256, lowered to fit ulimit -n);",
            "                 --rate: most connection starts per second; --loop: replay again and again until",
            "                 Ctrl-C, each pass reported; --report: a JSON report (verdict per connection, latency",
            "                 percentiles of the target beside the captured ones); Ctrl-C reports what is done",
            "                 (connections it cuts off count as interrupted; without --loop it exits 130 if nothing",
            "                 mismatched or failed)",
            "                 SOURCE: a Ferry dump, a dump dir, a pcapng Ferry wrote, a Layotto dump_tcp_copy.log, or",
            "                 kafka://HOST:PORT[,HOST:PORT...]/TOPIC (what the kafka dump sink wrote)",
            "                 SELECTION: --window ID, --connection ID|INSTANCE/ID (both repeatable),",
            "                 --since T, --until T (record capture time; T: 2026-11-26T06:00:00Z or epoch ms)",
            "                 --plugins-dir DIR (every dump tool): the jars of DIR also serve SOURCE URIs",
            "");

    private final PrintStream out;
    private final PrintStream err;
    /** The sources of URIs, asked for only when a SOURCE is a URI other than {@code file://}. */
    private final Iterable<DumpSource> sources;
    /** {@code --plugins-dir}, if given: where {@link #sources} also look (else the default plugin directory). */
    private Optional<Path> pluginsDir = Optional.empty();
    /** Captures read by this command, closed when it ends. */
    private final List<Capture> opened = new ArrayList<>();

    /** Completed when the user asks the command to stop (the CLI's first SIGINT or SIGTERM). */
    private java.util.concurrent.CompletableFuture<Void> stop = new java.util.concurrent.CompletableFuture<>();

    /** Ends a running replay (printing and writing its partial report) when {@code stop} completes. */
    DumpCommand stopOn(java.util.concurrent.CompletableFuture<Void> stop) {
        this.stop = stop;
        return this;
    }

    /** With the {@link DumpSource}s of the class path only ({@code --plugins-dir} adds nothing). */
    DumpCommand(PrintStream out, PrintStream err) {
        this(out, err, dir -> Capture.classPathSources());
    }

    /**
     * @param sources the {@link DumpSource}s of URIs for a {@code --plugins-dir} (empty if none was given); the CLI's
     *                are those the filter registry finds on the class path and in that directory, or else in the
     *                default plugin directory; called once, and only if a URI needs them
     */
    DumpCommand(PrintStream out, PrintStream err, Function<Optional<Path>, List<DumpSource>> sources) {
        // buffered: System.out flushes every write, and a table of a million connections is millions of writes; flushed
        // when the command ends and wherever output must show before something slow (a replay, tshark)
        this.out = new PrintStream(new java.io.BufferedOutputStream(out, 1 << 16), false,
                java.nio.charset.Charset.defaultCharset());
        this.err = err;
        Supplier<List<DumpSource>> once = new Supplier<>() {
            private List<DumpSource> found;

            @Override
            public synchronized List<DumpSource> get() {
                if (found == null) {
                    found = List.copyOf(sources.apply(pluginsDir));
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
                case "inspect" -> inspect(plugins(sub, parse(sub, rest, Set.of(), Set.of())));
                case "pcap" -> pcap(plugins(sub, parse(sub, rest, Set.of(), Set.of("--verify"))), rest);
                case "replay" -> replay(plugins(sub, parse(sub, rest, Set.of("--target", "--speed", "--idle-timeout",
                        "--concurrency", "--rate", "--report"), Set.of("--loop"))));
                default -> throw new Main.UsageException("dump: unknown subcommand " + sub + " (expected: inspect, pcap or replay)");
            };
        } catch (IOException e) {
            err.println("ferry dump " + sub + ": " + e.getMessage());
            return Main.FAILED;
        } catch (RuntimeException e) {
            // a defect, not the input's fault: still one line, never a stack trace
            err.println("ferry dump " + sub + ": internal error: " + e + " (please report it, with the command)");
            return Main.FAILED;
        } catch (OutOfMemoryError e) {
            // the tools keep a summary per connection (not the records): a dump of very many connections can need
            // more heap than the JVM was given; say so in one line instead of a stack trace
            err.println("ferry dump " + sub + ": out of memory: " + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB of heap do not hold a summary of every connection of this dump (about 650 B each;"
                    + " expected: more heap, FERRY_JAVA_OPTS=-XmxSIZE, or a part of the dump: --window, --since,"
                    + " --until)");
            return Main.FAILED;
        } finally {
            out.flush();
            opened.forEach(Capture::close);     // a source's temporary copy of its records
            opened.clear();
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

    /** Takes {@code --plugins-dir}, which every tool accepts, from {@code a}; it must be a directory. */
    private Args plugins(String sub, Args a) throws Main.UsageException {
        String dir = a.options.remove("--plugins-dir");
        if (dir != null) {
            if (!java.nio.file.Files.isDirectory(Path.of(dir))) {
                throw new Main.UsageException("dump " + sub + ": --plugins-dir " + dir + " is not a directory");
            }
            pluginsDir = Optional.of(Path.of(dir));
        }
        return a;
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
                    case "--plugins-dir" -> a.options.put(arg, value(sub, args, ++i, arg));
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
        opened.add(c);
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
        String source = a.positional.get(0);
        if (!source.contains("://") && Verdicts.isVerdictLog(Path.of(source))) {
            if (!a.selection.isAll()) {
                throw new Main.UsageException("dump inspect: " + source + " is a tcp_mirror verdict log, which "
                        + "--window, --connection, --since and --until do not apply to");
            }
            Verdicts.inspect(Path.of(source), out);
            return Main.OK;
        }
        Inspect.print(read(source, a.selection, false, false), out);
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
        out.flush();                            // before tshark, which takes a while
        // one tshark pass digesting every stream (following them one by one would read the file once per stream)
        java.util.SortedMap<Integer, TsharkFollow.Digest> digests = TsharkFollow.digests(target);
        int streams = digests.isEmpty() ? 0 : digests.lastKey() + 1;
        List<Capture.Conn> conns = c.connections().values().stream()
                .filter(k -> k.openSeen || k.inboundRecords + k.outboundRecords > 0).toList();
        int bad = 0;
        for (int i = 0; i < streams && i < conns.size(); i++) {
            TsharkFollow.Digest s = digests.getOrDefault(i, new TsharkFollow.Digest(0, 0, sha256(new byte[0]),
                    sha256(new byte[0])));
            Capture.Conn k = conns.get(i);
            boolean ok = s.bytes0() == k.inboundBytes && s.bytes1() == k.outboundBytes
                    && Arrays.equals(s.sha0(), k.digest(FerryRecord.INBOUND))
                    && Arrays.equals(s.sha1(), k.digest(FerryRecord.OUTBOUND));
            bad += ok ? 0 : 1;
            out.printf("tcp stream %d = connection %d%s: %s%n", i, k.id, c.renumbered() ? " (" + k.key() + ")" : "",
                    (ok ? "bytes match in both directions"
                    : "DIFFERENT (tshark " + s.bytes0() + "/" + s.bytes1() + " B, captured "
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
        double rate = a.options.containsKey("--rate") ? rate(a.options.get("--rate")) : 0;
        int headroom = Replay.fdHeadroom();
        int concurrency;
        if (a.options.containsKey("--concurrency")) {
            long n = number(a.options.get("--concurrency"), "--concurrency");
            if (n < 1) {
                throw new Main.UsageException("dump replay: --concurrency " + n + " (expected: at least 1)");
            }
            concurrency = (int) Math.min(Integer.MAX_VALUE, n);
            if (concurrency > headroom) {
                err.println("note: --concurrency " + concurrency + " lowered to " + headroom + ": this process may open "
                        + Replay.fdLimit() + " files (ulimit -n), less those open and a margin of " + Replay.FD_MARGIN);
                concurrency = headroom;
            }
        } else {
            concurrency = Math.min(Replay.DEFAULT_CONCURRENCY, headroom);
            if (concurrency < Replay.DEFAULT_CONCURRENCY) {
                err.println("note: concurrency " + concurrency + " instead of " + Replay.DEFAULT_CONCURRENCY + ": this "
                        + "process may open " + Replay.fdLimit() + " files (ulimit -n)");
            }
        }
        boolean loop = a.flags.contains("--loop");
        Path reportFile = a.options.containsKey("--report") ? Path.of(a.options.get("--report")) : null;
        String source = a.positional.get(0);
        Capture c = read(source, a.selection, false, false);
        String warning = Replay.warning(c);
        if (warning != null) {
            out.println(warning);
        }
        out.flush();                            // before the replay, which takes a while
        Replay.Options options = new Replay.Options(address, speed, Set.of(), idle, 10_000, concurrency, rate,
                Replay.Options.defaultThreads());
        java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
        List<ReplayReport.Pass> passes = new ArrayList<>();
        try (Replay replay = Replay.prepare(c, options)) {
            stop.thenRun(replay::stop);
            Thread hook = new Thread(() -> {        // Ctrl-C where the CLI does not handle signals itself
                replay.stop();
                try {
                    reported.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "ferry-replay-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            Progress progress = Progress.start(err, replay, passes);
            try {
                int code = 0;
                for (int pass = 1; ; pass++) {
                    long t0 = System.nanoTime();
                    List<Replay.Result> results = replay.pass();
                    boolean interrupted = replay.stopped();
                    progress.clear();
                    ReplayReport.Pass p = new ReplayReport.Pass(pass, results, (System.nanoTime() - t0) / 1e9,
                            interrupted);
                    if (!passes.isEmpty()) {
                        ReplayReport.Pass prev = passes.remove(passes.size() - 1);      // keep one pass's verdicts
                        passes.add(new ReplayReport.Pass(prev.number(), List.of(), prev.seconds(), prev.interrupted()));
                    }
                    passes.add(p);
                    if (loop) {
                        out.println("pass " + pass + (interrupted ? " (interrupted)" : "") + ":");
                    }
                    code = worst(code, Replay.report(results, address, out));
                    ReplayReport.table(p, out);
                    if (interrupted) {
                        out.println("interrupted: " + results.size() + " of " + replay.size() + " connections "
                                + "reported; those still open were closed and count as interrupted, not as verdicts");
                        if (!loop && code != 1) {
                            code = INTERRUPTED;        // no failure seen, but the replay did not finish
                        }
                    }
                    out.flush();                // each pass as it ends (a --loop runs until Ctrl-C)
                    if (reportFile != null) {
                        ReplayReport.writeJson(reportFile, source, address, options, passes, interrupted, code);
                    }
                    if (!loop || interrupted) {
                        break;
                    }
                }
                if (reportFile != null) {
                    out.println("report: " + reportFile);
                }
                return code;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("ferry dump replay: interrupted");
                return Main.FAILED;
            } finally {
                progress.close();
                out.flush();
                reported.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it waited for this report
                }
            }
        }
    }

    /** The worse of two replay exit codes: 1 over 3 over 0. */
    /**
     * The exit code of a replay without {@code --loop} interrupted before its end with no connection mismatched or
     * failed (128 + SIGINT, as shells report it). With {@code --loop}, Ctrl-C is how a replay ends: its exit code is
     * that of the verdicts.
     */
    static final int INTERRUPTED = 130;

    private static int worst(int a, int b) {
        return a == 1 || b == 1 ? 1 : Math.max(a, b);
    }

    /** The progress line on a terminal: a daemon thread rewriting one line of stderr in place. */
    private static final class Progress implements AutoCloseable {
        private final PrintStream err;
        private final Thread thread;
        private volatile boolean closed;
        private int width;

        private Progress(PrintStream err, Replay replay, List<ReplayReport.Pass> passes) {
            this.err = err;
            if (System.console() == null) {
                this.thread = null;
                return;
            }
            this.thread = new Thread(() -> {
                while (!closed) {
                    Replay.Progress p = replay.progress();
                    if (p != null) {
                        String line = ReplayReport.progressLine(passes.size() + 1, p);
                        synchronized (this) {
                            if (!closed) {
                                err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
                                err.flush();
                                width = line.length();
                            }
                        }
                    }
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "ferry-replay-progress");
            thread.setDaemon(true);
            thread.start();
        }

        static Progress start(PrintStream err, Replay replay, List<ReplayReport.Pass> passes) {
            return new Progress(err, replay, passes);
        }

        /** Erases the line (before the report is printed). */
        synchronized void clear() {
            if (thread != null && width > 0) {
                err.print("\r" + " ".repeat(width) + "\r");
                err.flush();
                width = 0;
            }
        }

        @Override
        public void close() {
            closed = true;
            clear();
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    /** {@code --rate}: connections started per second, a positive number. */
    static double rate(String v) throws Main.UsageException {
        try {
            double d = Double.parseDouble(v.endsWith("/s") ? v.substring(0, v.length() - 2) : v);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new Main.UsageException("dump replay: --rate " + v + " (expected: connections per second, e.g. 500)");
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
