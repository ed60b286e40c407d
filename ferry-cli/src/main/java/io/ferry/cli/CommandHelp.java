package io.ferry.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The help of each {@code ferry} command, printed by {@code ferry COMMAND --help}, {@code ferry COMMAND -h} and
 * {@code ferry help COMMAND} (on stdout, exit 0): what it does, its options, and examples to copy.
 */
final class CommandHelp {

    private static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        HELP.put("start", String.join("\n",
                "usage: ferry start -c FILE [--plugins-dir DIR] [--plugin-failure-policy warn|fail]",
                "",
                "Runs the proxy on a MOSN JSON config, like `mosn start -c FILE`: listeners, filter chains,",
                "clusters, the admin API (admin) and the Prometheus endpoint (metrics.sinks of type prometheus).",
                "It runs until SIGTERM or Ctrl-C: the first stops accepting and lets connections drain for up to",
                "servers[0].graceful_timeout (30 s by default); a second one during the drain stops at once.",
                "",
                "options:",
                "  -c, --config FILE              the MOSN config file (JSON)",
                "  --plugins-dir DIR              also load network filters and dump sinks from the jars in",
                "                                 DIR (default: the plugin directory ./ferry passes, where the",
                "                                 kafka dump sink is)",
                "  --plugin-failure-policy P      warn (default): skip a broken plugin with a warning;",
                "                                 fail: refuse to start",
                "",
                "exit codes: 0 stopped; 1 a config, plugin or startup error (the message names the JSON path);",
                "2 a usage error",
                "",
                "examples:",
                "  ferry start -c examples/configs/demo.json",
                "  ferry start -c /etc/ferry/mosn.json --plugins-dir /opt/ferry/plugins --plugin-failure-policy fail",
                "  curl http://127.0.0.1:34901/api/v1/stats        # while it runs, with an admin block",
                ""));
        HELP.put("filters", String.join("\n",
                "usage: ferry filters [--check] [--plugins-dir DIR] [--plugin-failure-policy warn|fail]",
                "",
                "Lists the network filter types a config can name, one line each: type, version, origin",
                "(built-in, class path or plugin) and the jar it was loaded from; then the dump sinks",
                "(\"dump sink TYPE  CLASS  LOCATION\") and dump sources (\"dump source SCHEME://  CLASS  LOCATION\")",
                "found the same way. Each problem the registry finds (a type provided twice, a plugin missing a",
                "library, built against a newer filter-api, ...) is printed on stderr, one line each, before any",
                "traffic could meet it.",
                "",
                "options:",
                "  --check                        exit 1 if the registry reports any problem: validate a plugin",
                "                                 directory in CI",
                "  --plugins-dir DIR              also look in the jars of DIR (default: the plugin directory",
                "                                 ./ferry passes)",
                "  --plugin-failure-policy P      warn (default); fail: exit 1 on any problem, as `start` would refuse",
                "",
                "exit codes: 0 listed (with --check: and no problem); 1 a problem (see above); 2 a usage error",
                "",
                "examples:",
                "  ferry filters",
                "  ferry filters --check --plugins-dir /opt/ferry/plugins",
                "  ferry filters --plugins-dir build/plugins --plugin-failure-policy fail",
                ""));
        HELP.put("demo", String.join("\n",
                "usage: ferry demo [--exit-after-traffic] [--listen-port N] [--upstream-port N] [--admin-port N]",
                "                  [--dump-dir DIR]",
                "",
                "Runs the proxy on the bundled demo config (tcpcopy in front of tcp_proxy to a built-in echo",
                "server), opens a capture window, sends traffic through it, checks every byte came back, and",
                "says where to look. It then runs until Ctrl-C.",
                "",
                "options:",
                "  --exit-after-traffic           stop after the traffic check (exit 0 if it passed)",
                "  --listen-port N                the proxy's port (default 2045; 0 picks a free one)",
                "  --upstream-port N              the echo server's port (default 2046)",
                "  --admin-port N                 the admin API's port (default 34901)",
                "  --dump-dir DIR                 where tcpcopy writes (default ~/logs/mosn/dump, as Layotto)",
                "",
                "examples:",
                "  ferry demo",
                "  ferry demo --exit-after-traffic --listen-port 0 --dump-dir /tmp/ferry-dump",
                "  ferry dump inspect /tmp/ferry-dump               # afterwards: what was captured",
                ""));
        HELP.put("dump", String.join("\n",
                "usage: ferry dump inspect SOURCE [SELECTION]",
                "       ferry dump pcap SOURCE OUT [--verify] [SELECTION]",
                "       ferry dump replay SOURCE --target HOST:PORT [--speed 1x|10x|max|Nx] [--idle-timeout MS]",
                "                         [--concurrency N] [--rate CONN/S] [--loop] [--report FILE] [SELECTION]",
                "",
                "Reads what tcpcopy captured. SOURCE is a Ferry dump file, a dump directory (Ferry files, or the",
                "pcapng files of \"format\": \"pcapng\"), a pcapng file Ferry wrote, a Layotto dump_tcp_copy.log,",
                "or kafka://HOST:PORT[,HOST:PORT...]/TOPIC (what the Kafka dump sink wrote).",
                "Every tool takes --plugins-dir DIR: the jars of DIR also serve SOURCE URIs (default: the",
                "plugin directory the launcher names, where the Kafka source is).",
                "",
                "  inspect    lists the connections (instance, listener, addresses, windows, bytes per direction,",
                "             open/close seen, truncation) and the windows and drops",
                "  pcap       converts to pcapng for Wireshark and tshark, one TCP stream per connection",
                "             (--verify: check with tshark that each stream gives back the captured bytes)",
                "  replay     re-sends each client's bytes to HOST:PORT and compares the answers with the",
                "             captured responses; exits 1 on any mismatch, 3 if some could not be verified.",
                "             Streams the dump (a spool file, not memory); on Netty event loops.",
                "             --idle-timeout MS     after the half-close, how long the target may stay quiet (2000)",
                "             --concurrency N       most connections open at once (256; lowered to fit ulimit -n)",
                "             --rate CONN/S         most connection starts per second (no limit)",
                "             --loop                replay again and again until Ctrl-C, each pass reported",
                "             --report FILE         JSON: verdict per connection, latency percentiles of the",
                "                                   target beside the captured ones",
                "             On a terminal a progress line shows done/total, rate and ETA (at 1x, what it waits",
                "             for); Ctrl-C prints the report of what is done and writes --report (the",
                "             connections it cuts off count as interrupted, not as verdicts).",
                "",
                "SELECTION (each repeatable; an id the dump does not hold is an error):",
                "  --window ID                    records of this sampling window (ferry dump inspect lists them)",
                "  --connection ID|INSTANCE/ID    this connection, by the id the tools show or its key",
                "  --since T, --until T           capture time from T (inclusive) to T (exclusive); T is",
                "                                 2026-11-26T06:00:00Z or epoch milliseconds",
                "",
                "exit codes: 0 success; 1 unreadable dump, unknown window or connection, replay mismatch or",
                "--verify difference; 2 a usage error; 3 (replay) all that could be verified matched, some",
                "could not be; 130 (replay without --loop) interrupted, nothing mismatched or failed so far;",
                "a --loop ended by Ctrl-C exits by the verdicts of the connections that finished",
                "",
                "examples:",
                "  ferry dump inspect ~/logs/mosn/dump",
                "  ferry dump inspect ~/logs/mosn/dump --window 3f2b9c1e-7d4a-4e8b-9f00-1c2d3e4f5a6b",
                "  ferry dump pcap ~/logs/mosn/dump capture.pcapng --verify --connection 7",
                "  ferry dump replay ~/logs/mosn/dump --target 127.0.0.1:2046 --speed max",
                "  ferry dump replay ~/logs/mosn/dump --target 127.0.0.1:2046 --concurrency 512 --rate 1000 \\",
                "      --report replay.json",
                "  ferry dump inspect kafka://kafka-1:9092/ferry-dumps --since 2026-11-26T06:00:00Z",
                ""));
        HELP.put("version", String.join("\n",
                "usage: ferry version",
                "",
                "Prints the version, as GET /api/v1/version answers it: `ferry version: <v>`.",
                "",
                "example:",
                "  ferry version",
                ""));
        HELP.put("help", String.join("\n",
                "usage: ferry help [COMMAND]",
                "",
                "Prints the commands, or the help of one: its options, exit codes and examples.",
                "The same as `ferry COMMAND --help`.",
                "",
                "examples:",
                "  ferry help",
                "  ferry help start",
                "  ferry dump --help",
                ""));
    }

    private CommandHelp() {
    }

    /** The help of {@code command} ({@code --version} and {@code -h} are aliases), if it is one. */
    static Optional<String> of(String command) {
        String c = switch (command) {
            case "--version" -> "version";
            case "--help", "-h" -> "help";
            default -> command;
        };
        return Optional.ofNullable(HELP.get(c));
    }

    /** The commands that have help. */
    static Iterable<String> commands() {
        return HELP.keySet();
    }
}
