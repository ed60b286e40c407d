package io.ferry.proxy.cli;

import io.ferry.tcpcopy.pcapng.PcapConverter;
import io.ferry.tcpcopy.pcapng.TsharkFollow;
import io.ferry.tcpcopy.record.FerryRecord;
import io.ferry.tcpcopy.tools.Capture;
import io.ferry.tcpcopy.tools.Inspect;
import io.ferry.tcpcopy.tools.Replay;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code ferry dump ...}: tools for tcpcopy dumps (a Ferry dump file, a dump directory, or a Layotto
 * {@code dump_tcp_copy.log}).
 *
 * <pre>
 * ferry dump inspect FILE
 * ferry dump pcap IN OUT [--verify]
 * ferry dump replay FILE --target HOST:PORT [--speed 1x|10x|max|Nx] [--connection ID ...] [--idle-timeout MS]
 * </pre>
 * Exit codes: 0 success; 1 the dump cannot be read, or a replayed connection mismatched or failed, or
 * {@code --verify} found a difference; 2 a usage error. Runs on the calling thread (replay uses one thread per
 * connection) and returns when done.
 */
final class DumpCommand {


    static final String USAGE_TEXT = String.join("\n",
            "  dump inspect FILE",
            "                 list the connections of a dump: listener, addresses, windows, bytes per direction,",
            "                 open/close seen, truncation, drops (FILE: a Ferry dump, a dump dir, or dump_tcp_copy.log)",
            "  dump pcap IN OUT [--verify]",
            "                 convert a dump to pcapng for Wireshark/tshark (--verify: check with tshark that",
            "                 following each TCP stream gives back the captured bytes)",
            "  dump replay FILE --target HOST:PORT [--speed 1x|10x|max] [--connection ID ...] [--idle-timeout MS]",
            "                 re-send each connection's client bytes to HOST:PORT and compare the answers with the",
            "                 captured responses; exits 1 if any connection mismatched or failed",
            "");

    private final PrintStream out;
    private final PrintStream err;

    DumpCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) throws Main.UsageException {
        if (args.isEmpty()) {
            throw new Main.UsageException("dump: missing subcommand (expected: inspect, pcap or replay)");
        }
        String sub = args.get(0);
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (sub) {
                case "inspect" -> inspect(rest);
                case "pcap" -> pcap(rest);
                case "replay" -> replay(rest);
                default -> throw new Main.UsageException("dump: unknown subcommand " + sub + " (expected: inspect, pcap or replay)");
            };
        } catch (IOException e) {
            err.println("ferry dump " + sub + ": " + e.getMessage());
            return Main.FAILED;
        }
    }

    private Capture read(String file) throws IOException {
        Capture c = Capture.read(Path.of(file));
        for (String p : c.problems()) {
            err.println("warning: " + p);
        }
        return c;
    }

    private int inspect(List<String> args) throws Main.UsageException, IOException {
        if (args.size() != 1 || args.get(0).startsWith("--")) {
            throw new Main.UsageException("dump inspect: expected exactly one FILE, got " + args);
        }
        Inspect.print(read(args.get(0)), out);
        return Main.OK;
    }

    private int pcap(List<String> args) throws Main.UsageException, IOException {
        boolean verify = args.contains("--verify");
        List<String> files = args.stream().filter(a -> !a.equals("--verify")).toList();
        if (files.size() != 2 || files.stream().anyMatch(a -> a.startsWith("--"))) {
            throw new Main.UsageException("dump pcap: expected IN OUT [--verify], got " + args);
        }
        Capture c = read(files.get(0));
        Path target = Path.of(files.get(1));
        long packets = PcapConverter.convert(c, target);
        out.printf("wrote %s: %d packets, %d connections (pcapng, Ethernet/IP/TCP)%n", target, packets,
                c.connections().size());
        if (!verify) {
            return Main.OK;
        }
        if (TsharkFollow.tshark() == null) {
            err.println("ferry dump pcap: --verify needs tshark on the PATH (Debian: apt-get install tshark)");
            return Main.FAILED;
        }
        int streams = TsharkFollow.streamCount(target);
        List<Capture.Conn> conns = c.connections().values().stream().filter(k -> !k.data.isEmpty() || k.openSeen).toList();
        int bad = 0;
        for (int i = 0; i < streams && i < conns.size(); i++) {
            TsharkFollow.Stream s = TsharkFollow.follow(target, i);
            Capture.Conn k = conns.get(i);
            boolean ok = Arrays.equals(s.fromNode0(), k.bytes(FerryRecord.INBOUND))
                    && Arrays.equals(s.fromNode1(), k.bytes(FerryRecord.OUTBOUND));
            bad += ok ? 0 : 1;
            out.printf("tcp stream %d = connection %d: %s%n", i, k.id, ok ? "bytes match in both directions"
                    : "DIFFERENT (tshark " + s.fromNode0().length + "/" + s.fromNode1().length + " B, captured "
                    + k.inboundBytes + "/" + k.outboundBytes + " B)");
        }
        if (streams != conns.size()) {
            out.printf("tshark sees %d TCP streams for %d connections%n", streams, conns.size());
            bad++;
        }
        return bad == 0 ? Main.OK : Main.FAILED;
    }

    private int replay(List<String> args) throws Main.UsageException, IOException {
        String file = null;
        InetSocketAddress target = null;
        double speed = 1.0;
        long idle = 2000;
        Set<Long> ids = new LinkedHashSet<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--target" -> target = hostPort(value(args, ++i, a));
                case "--speed" -> speed = speed(value(args, ++i, a));
                case "--idle-timeout" -> idle = number(value(args, ++i, a), a);
                case "--connection" -> {
                    ids.add(number(value(args, ++i, a), a));
                    while (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                        ids.add(number(args.get(++i), a));
                    }
                }
                default -> {
                    if (a.startsWith("--") || file != null) {
                        throw new Main.UsageException("dump replay: unexpected argument " + a);
                    }
                    file = a;
                }
            }
        }
        if (file == null) {
            throw new Main.UsageException("dump replay: missing FILE");
        }
        if (target == null) {
            throw new Main.UsageException("dump replay: missing --target HOST:PORT");
        }
        Capture c = read(file);
        for (Long id : ids) {
            if (!c.connections().containsKey(id)) {
                err.println("ferry dump replay: --connection " + id + ": no such connection in " + file
                        + " (expected one of " + c.connections().keySet() + ")");
                return Main.FAILED;
            }
        }
        try {
            List<Replay.Result> results = Replay.run(c, new Replay.Options(target, speed, ids, idle, 10_000));
            return Replay.report(results, target, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("ferry dump replay: interrupted");
            return Main.FAILED;
        }
    }

    private static String value(List<String> args, int i, String flag) throws Main.UsageException {
        if (i >= args.size()) {
            throw new Main.UsageException("dump replay: " + flag + " needs a value");
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
