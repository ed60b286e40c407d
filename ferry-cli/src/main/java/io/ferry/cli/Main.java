package io.ferry.cli;

import io.ferry.dump.spi.DumpSinkProvider;
import io.ferry.dump.spi.DumpSource;
import io.ferry.dump.tools.Capture;
import io.ferry.filter.registry.Extension;
import io.ferry.filter.registry.FailurePolicy;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.filter.registry.ProviderInfo;
import io.ferry.filter.registry.RegistryException;
import io.ferry.proxy.admin.FerryVersion;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.ConfigRedactor;
import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.config.ServerConfig;
import io.ferry.proxy.logging.LogRedaction;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code ferry} command line (the runnable jar's main class).
 *
 * <pre>
 * ferry start -c FILE [--plugins-dir DIR] [--plugin-failure-policy warn|fail]
 * ferry filters [--check] [--plugins-dir DIR] [--plugin-failure-policy warn|fail]
 * ferry demo [--exit-after-traffic] [--listen-port N] [--upstream-port N] [--admin-port N] [--dump-dir DIR]
 * ferry dump inspect|pcap|replay SOURCE ...   (a dump file or dir, or kafka://HOST:PORT/TOPIC; see {@link DumpCommand})
 * ferry version
 * ferry help
 * </pre>
 *
 * <p>Exit codes: 0 success; 1 a config, plugin or startup error (every problem of the config on stderr, one line
 * each, the loader's and the filters' alike; nothing is left running);
 * 2 a usage error (usage on stderr). {@code start} runs until SIGTERM or Ctrl-C, then stops accepting and drains
 * connections for up to {@code servers[0].graceful_timeout}; a second SIGTERM or Ctrl-C during the drain closes every
 * connection and stops at once. {@code ferry COMMAND --help} and {@code ferry help COMMAND} print a command's options
 * and examples ({@link CommandHelp}).
 */
public final class Main {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String USAGE_TEXT = String.join("\n",
            "usage: ferry <command> [options]",
            "",
            "commands:",
            "  start -c FILE [--plugins-dir DIR] [--plugin-failure-policy warn|fail]",
            "                 run the proxy on a MOSN JSON config (like `mosn start -c FILE`)",
            "  filters [--check] [--plugins-dir DIR] [--plugin-failure-policy warn|fail]",
            "                 list the network filters that can be configured: type, version, origin, location;",
            "                 then the dump sinks and sources found with them; --check exits 1 if any plugin has",
            "                 a problem (for CI)",
            "  demo [--exit-after-traffic] [--listen-port N] [--upstream-port N] [--admin-port N] [--dump-dir DIR]",
            "                 run the proxy on the bundled demo config in front of a built-in echo server",
            DumpCommand.USAGE_TEXT.stripTrailing(),
            "  version        print the version",
            "  help [COMMAND] print this text, or a command's options and examples (also: ferry COMMAND --help)",
            "");

    private final PrintStream out;
    private final PrintStream err;
    private final CompletableFuture<Void> stop = new CompletableFuture<>();
    private volatile boolean stoppedBySignal;
    /** True when SIGINT and SIGTERM come to {@link #signal()} rather than to a shutdown hook. */
    private volatile boolean signalsHandled;
    private final java.util.concurrent.atomic.AtomicInteger signals = new java.util.concurrent.atomic.AtomicInteger();
    /** The proxy {@code start} runs, once it is up (for tests). */
    volatile ProxyServer running;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        NettyDefaults.apply(System.getProperties());   // before anything touches Netty
        Main main = new Main(System.out, System.err);
        main.signalsHandled = Signals.install(main::signal);
        int code = main.run(args);
        System.out.flush();
        System.err.flush();
        if (!main.stoppedBySignal) {
            System.exit(code); // Netty's threads are not daemons; the JVM is already exiting after a signal
        }
    }

    /** Ends a running {@code start} or {@code demo} as a first signal would (for tests). */
    void requestStop() {
        stop.complete(null);
    }

    /**
     * What SIGINT and SIGTERM do: the first stops {@code start} gracefully (no new connections, a drain of up to
     * {@code graceful_timeout}) or ends {@code demo}; a second one, during the drain, closes every connection and
     * stops at once.
     */
    void signal() {
        if (signals.incrementAndGet() == 1) {
            stop.complete(null);
            return;
        }
        ProxyServer server = running;
        if (server != null) {
            LoggerFactory.getLogger(Main.class).warn("second stop signal: closing every connection now");
            server.close();
        } else {
            System.exit(FAILED); // still starting: nothing to drain
        }
    }

    /** Runs one command; returns the exit code. {@code start} and {@code demo} block until stopped. */
    int run(String[] args) {
        if (args.length == 0) {
            return usage("missing command");
        }
        String command = args[0];
        List<String> rest = List.of(args).subList(1, args.length);
        if (command.equals("help") || command.equals("--help") || command.equals("-h")) {
            if (rest.isEmpty()) {
                out.print(USAGE_TEXT);
                return OK;
            }
            Optional<String> help = CommandHelp.of(rest.get(0));
            if (help.isEmpty()) {
                return usage("help: unknown command " + rest.get(0) + " (expected: one of "
                        + String.join(", ", CommandHelp.commands()) + ")");
            }
            out.print(help.get());
            return OK;
        }
        if (rest.contains("--help") || rest.contains("-h")) {
            Optional<String> help = CommandHelp.of(command);
            if (help.isPresent()) {
                out.print(help.get());
                return OK;
            }
        }
        try {
            switch (command) {
                case "start":
                    return start(Options.parse(command, rest, Set.of("-c", "--config", "--plugins-dir",
                            "--plugin-failure-policy"), Set.of()));
                case "filters":
                    return filters(Options.parse(command, rest, Set.of("--plugins-dir", "--plugin-failure-policy"),
                            Set.of("--check")));
                case "demo":
                    return demo(Options.parse(command, rest, Set.of("--listen-port", "--upstream-port",
                            "--admin-port", "--dump-dir"), Set.of("--exit-after-traffic")));
                case "dump":
                    return new DumpCommand(out, err, Main::dumpSources).stopOn(stop).run(rest);
                case "version":
                case "--version":
                    Options.parse(command, rest, Set.of(), Set.of());
                    out.println("ferry version: " + FerryVersion.get());
                    return OK;
                default:
                    return usage("unknown command: " + command);
            }
        } catch (UsageException e) {
            return usage(e.getMessage());
        }
    }

    private int usage(String problem) {
        err.println("ferry: " + problem);
        err.print(USAGE_TEXT);
        return USAGE;
    }

    // ---- start -------------------------------------------------------------------------------------------------

    private int start(Options o) throws UsageException {
        String file = o.value("-c").orElse(o.value("--config").orElse(null));
        if (file == null) {
            throw new UsageException("start: missing -c FILE");
        }
        FailurePolicy policy = o.failurePolicy();
        FerryConfig config;
        try {
            config = MosnConfigLoader.load(Path.of(file));
            LogRedaction.add(ConfigRedactor.secretValues(config.source(), type -> Set.of()));
        } catch (ConfigException e) {
            List<String> problems = new ArrayList<>(e.problems());
            if (e.partial().isPresent()) {
                LogRedaction.add(ConfigRedactor.secretValues(e.partial().get().source(), type -> Set.of()));
                // the filters check their own configs too, so that one run reports every problem of the file
                try {
                    Logging.configure(new ServerConfig("", null, "ERROR", Duration.ZERO, List.of()));
                    FilterRegistry registry = registry(o.pluginsDir(), policy);
                    for (String p : ProxyServer.check(e.partial().get(), registry, ProxyOptions.defaults())) {
                        if (!problems.contains(p)) {
                            problems.add(p);
                        }
                    }
                } catch (RegistryException | ConfigException re) {
                    problems.add(re.getMessage());
                }
            }
            return failed(problems);
        }
        try {
            Logging.configure(config.server());
        } catch (ConfigException e) {
            return failed(e.problems());
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        config.warnings().forEach(w -> log.warn("config: {}", w));
        FilterRegistry registry;
        try {
            registry = registry(o.pluginsDir(), policy);
        } catch (RegistryException e) {
            err.println("ferry: " + LogRedaction.scrub(e.getMessage()));
            return FAILED;
        }
        ProxyServer server;
        try {
            server = ProxyServer.start(config, registry);
        } catch (ConfigException e) {
            return failed(e.problems());
        }
        Duration grace = config.server().gracefulTimeout();
        String drain = grace.toMillis() % 1000 == 0 ? grace.toSeconds() + "s" : grace.toMillis() + "ms";
        Thread hook = null;
        if (!signalsHandled) {
            hook = new Thread(() -> {
                stoppedBySignal = true;
                log.info("stopping: no new connections; draining for up to {}", drain);
                server.shutdownGracefully();
                stop.complete(null);
            }, "ferry-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        running = server;
        server.listeners().forEach((name, address) -> log.info("listener {} on {}", name, address));
        server.adminAddress().ifPresent(a -> log.info("admin API on http://{}:{}/", a.getHostString(), a.getPort()));
        log.info("ferry {} started with {}", FerryVersion.get(), file);
        stop.join();
        if (!stoppedBySignal) {
            if (hook != null) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            log.info("stopping: no new connections; draining for up to {}{}", drain,
                    signalsHandled ? " (a second Ctrl-C or SIGTERM stops at once)" : "");
            server.shutdownGracefully();
        }
        return OK;
    }

    /** Prints every problem, one line each ("ferry: " and the problem), and returns the failure exit code. */
    private int failed(List<String> problems) {
        for (String p : problems) {
            err.println("ferry: " + LogRedaction.scrub(p));
        }
        return FAILED;
    }

    /**
     * The {@link DumpSource}s of {@code ferry dump}: the class path's and those of {@code pluginsDir}
     * ({@code --plugins-dir}), or else of the default plugin directory ({@value #PLUGINS_DIR_PROPERTY}), as the filter
     * registry finds them. A plugin directory that cannot be read is reported on stderr by the caller's error (no
     * source for the scheme), not here.
     */
    private static List<DumpSource> dumpSources(Optional<Path> pluginsDir) {
        if (LoggerFactory.getLogger("io.ferry.filter.registry") instanceof ch.qos.logback.classic.Logger l
                && l.getLevel() == null) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);   // the inventory would bury the tool's output
        }
        try {
            return registry(pluginsDir.or(Main::defaultPluginsDir), FailurePolicy.WARN).extensions(DumpSource.class).stream()
                    .map(Extension::instance).toList();
        } catch (RegistryException e) {
            LoggerFactory.getLogger(Main.class).warn("{}", e.getMessage());
            return Capture.classPathSources();
        }
    }

    /**
     * The system property naming the default plugin directory, used when a command is given no {@code --plugins-dir}
     * (the {@code ./ferry} launcher sets it to the plugins the build assembles, {@code ferry-cli/target/plugins}, where
     * the Kafka dump sink and source are).
     */
    static final String PLUGINS_DIR_PROPERTY = "ferry.plugins.dir";

    /** The directory {@value #PLUGINS_DIR_PROPERTY} names, if it is set and is a directory. */
    static Optional<Path> defaultPluginsDir() {
        String dir = System.getProperty(PLUGINS_DIR_PROPERTY, "");
        return dir.isBlank() || !Files.isDirectory(Path.of(dir)) ? Optional.empty() : Optional.of(Path.of(dir));
    }

    private static FilterRegistry registry(Optional<Path> pluginsDir, FailurePolicy policy) throws RegistryException {
        FilterRegistry.Builder b = FilterRegistry.builder().failurePolicy(policy);
        pluginsDir.ifPresent(b::pluginsDir);
        return b.build();
    }

    // ---- filters -----------------------------------------------------------------------------------------------

    /**
     * Prints the inventory, one line per provider ({@code type  version  origin  location}), then each problem the
     * registry found on stderr, one line each. Exit 1 if the registry cannot be built (a missing plugin directory; with
     * {@code --plugin-failure-policy fail}, any problem, as {@code start} would refuse), or with {@code --check} if the
     * registry reported any problem at all (a type provided twice, a broken or refused plugin, a suspicious one).
     */
    private int filters(Options o) throws UsageException {
        FailurePolicy policy = o.failurePolicy();
        boolean check = o.flag("--check");
        Optional<Path> pluginsDir = o.pluginsDir();
        try {
            Logging.configure(new ServerConfig("", null, "WARN", Duration.ZERO, List.of())); // the inventory is the output
        } catch (ConfigException e) {
            throw new IllegalStateException(e); // cannot happen: stderr needs no file
        }
        // the registry's problems are printed below, once each, rather than logged
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.ferry.filter.registry"))
                .setLevel(ch.qos.logback.classic.Level.OFF);
        FilterRegistry registry;
        try {
            registry = registry(pluginsDir, policy);
        } catch (RegistryException e) {
            err.println("ferry: " + LogRedaction.scrub(e.getMessage()));
            return FAILED;
        }
        List<ProviderInfo> providers = registry.providers();
        if (providers.isEmpty()) {
            err.println("ferry: no network filters found");
        }
        for (ProviderInfo p : providers) {
            out.println(p.inventoryLine());
        }
        // the extensions of the filters that are found the same way: tcpcopy's dump sinks, ferry dump's sources
        for (Extension<DumpSinkProvider> e : registry.extensions(DumpSinkProvider.class)) {
            out.println("dump sink " + e.instance().type() + "  " + e.className() + "  " + e.location());
        }
        for (Extension<DumpSource> e : registry.extensions(DumpSource.class)) {
            out.println("dump source " + e.instance().scheme() + "://  " + e.className() + "  " + e.location());
        }
        for (String problem : registry.problems()) {
            err.println("ferry: " + LogRedaction.scrub(problem));
        }
        if (check) {
            int n = registry.problems().size();
            if (n > 0) {
                err.println("ferry: filters --check: " + n + " problem" + (n == 1 ? "" : "s")
                        + pluginsDir.map(d -> " with the plugins in " + d).orElse("") + " (above)");
                return FAILED;
            }
            err.println("ferry: filters --check: " + providers.size() + " network filter type"
                    + (providers.size() == 1 ? "" : "s") + ", no problem");
        }
        return OK;
    }

    // ---- demo --------------------------------------------------------------------------------------------------

    private int demo(Options o) throws UsageException {
        Demo.Options d = Demo.Options.defaults();
        d = new Demo.Options(o.port("--listen-port", d.listenPort()), o.port("--upstream-port", d.upstreamPort()),
                o.port("--admin-port", d.adminPort()), o.flag("--exit-after-traffic"),
                o.value("--dump-dir").map(Path::of).orElse(d.dumpDir()));
        Thread hook = null;
        if (!d.exitAfterTraffic() && !signalsHandled) {
            hook = new Thread(() -> {
                stoppedBySignal = true;
                stop.complete(null);
            }, "ferry-demo-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        int code = new Demo(out, err, stop).run(d);
        if (hook != null && !stoppedBySignal) {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        return code;
    }

    // ---- option parsing ----------------------------------------------------------------------------------------

    /** A usage error: the CLI prints it with the usage text and exits 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** {@code --name value}, {@code --name=value} and {@code -c value} options, and flags. */
    private record Options(String command, Map<String, String> values, Set<String> flags) {

        static Options parse(String command, List<String> args, Set<String> valued, Set<String> flagNames)
                throws UsageException {
            Map<String, String> values = new HashMap<>();
            List<String> flags = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                if (valued.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new UsageException(command + ": " + name + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    values.put(name, value);
                } else if (flagNames.contains(name) && value == null) {
                    flags.add(name);
                } else {
                    throw new UsageException(command + ": unknown option " + a);
                }
            }
            return new Options(command, values, Set.copyOf(flags));
        }

        Optional<String> value(String name) {
            return Optional.ofNullable(values.get(name));
        }

        boolean flag(String name) {
            return flags.contains(name);
        }

        /** {@code --plugins-dir}, else the default plugin directory ({@link #defaultPluginsDir()}), if any. */
        Optional<Path> pluginsDir() throws UsageException {
            Optional<String> dir = value("--plugins-dir");
            if (dir.isPresent() && !Files.isDirectory(Path.of(dir.get()))) {
                throw new UsageException(command + ": --plugins-dir " + dir.get() + " is not a directory");
            }
            return dir.isPresent() ? dir.map(Path::of) : defaultPluginsDir();
        }

        FailurePolicy failurePolicy() throws UsageException {
            try {
                return value("--plugin-failure-policy").map(FailurePolicy::parse).orElse(FailurePolicy.WARN);
            } catch (IllegalArgumentException e) {
                throw new UsageException(command + ": --plugin-failure-policy: " + e.getMessage());
            }
        }

        int port(String name, int dflt) throws UsageException {
            Optional<String> v = value(name);
            if (v.isEmpty()) {
                return dflt;
            }
            try {
                int p = Integer.parseInt(v.get());
                if (p >= 0 && p <= 65535) {
                    return p;
                }
            } catch (NumberFormatException e) {
                // fall through
            }
            throw new UsageException(command + ": " + name + " " + v.get() + " (expected: a port from 0 to 65535)");
        }
    }
}
