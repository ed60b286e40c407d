package io.ferry.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.filter.registry.RegistryException;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.FerryConfig;
import io.ferry.proxy.config.FilterEntry;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * {@code ./ferry demo}: runs the proxy on the bundled config ({@code demo/demo.json}, the same as
 * {@code examples/configs/demo.json}) in front of a built-in {@link EchoServer}, sends traffic through it, checks
 * that every byte comes back, prints where to look, and keeps running until Ctrl-C (or returns at once with
 * {@code exitAfterTraffic}).
 *
 * <p>Everything binds 127.0.0.1. A port that is in use is reported with the option that moves it. Runs on the
 * caller's thread; the traffic uses a few short-lived client threads.
 */
public final class Demo {

    private static final Logger log = LoggerFactory.getLogger(Demo.class);

    /** The bundled config, as a class-path resource. */
    public static final String CONFIG_RESOURCE = "/demo/demo.json";

    /** Connections the traffic check opens, in parallel. */
    static final int CONNECTIONS = 8;
    /** Bytes each connection sends and expects back. */
    static final int BYTES_PER_CONNECTION = 256 * 1024;

    /**
     * @param listenPort       the proxy listener's port (default 2045; 0 = ephemeral)
     * @param upstreamPort     the echo server's port (default 2046; 0 = ephemeral)
     * @param adminPort        the admin API's port (default 34901; 0 = ephemeral)
     * @param exitAfterTraffic return after the traffic check instead of running until interrupted
     * @param dumpDir          where tcpcopy writes its dumps; {@code null} keeps the bundled config's (Layotto's
     *                         default, {@code ~/logs/mosn/dump})
     */
    public record Options(int listenPort, int upstreamPort, int adminPort, boolean exitAfterTraffic, Path dumpDir) {

        public static Options defaults() {
            return new Options(2045, 2046, 34901, false, null);
        }
    }

    /** How long the capture window the demo opens stays open. */
    static final int WINDOW_SECONDS = 30;

    private final PrintStream out;
    private final PrintStream err;
    private final CompletableFuture<Void> stop;

    /**
     * @param stop completing it ends a demo that runs until interrupted (the CLI completes it from its shutdown hook)
     */
    public Demo(PrintStream out, PrintStream err, CompletableFuture<Void> stop) {
        this.out = out;
        this.err = err;
        this.stop = stop;
    }

    /** Runs the demo; returns the process exit code (0 when the echo came back intact). */
    public int run(Options options) {
        String busy = firstBusyPort(options);
        if (busy != null) {
            err.println("demo: " + busy);
            return 1;
        }
        JsonObject tree;
        try {
            tree = bundledConfig();
        } catch (IOException e) {
            err.println("demo: cannot read the bundled config " + CONFIG_RESOURCE + ": " + e.getMessage());
            return 1;
        }
        try (EchoServer echo = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                options.upstreamPort()))) {
            FerryConfig config = MosnConfigLoader.parse(withPorts(tree, options, echo.address().getPort()).toString(),
                    "demo.json");
            Logging.configure(config.server());
            config.warnings().forEach(w -> log.warn("config: {}", w));
            FilterRegistry registry = FilterRegistry.builder().build();
            try (ProxyServer proxy = ProxyServer.start(config, registry)) {
                return runWith(config, proxy, echo, options);
            }
        } catch (IOException | ConfigException | RegistryException e) {
            err.println("demo: " + e.getMessage());
            return 1;
        }
    }

    private int runWith(FerryConfig config, ProxyServer proxy, EchoServer echo, Options options) {
        ListenerConfig listener = config.server().listeners().get(0);
        SocketAddress bound = proxy.listeners().get(listener.name());
        if (!(bound instanceof InetSocketAddress proxyAddress)) {
            err.println("demo: listener " + listener.name() + " is not bound (got " + bound + ")");
            return 1;
        }
        String where = EchoServer.hostPort(proxyAddress);
        String chain = String.join(" -> ", listener.filters().stream().map(FilterEntry::type).toList());
        out.println("Ferry demo: proxy " + where + " -> " + chain + " -> echo server "
                + EchoServer.hostPort(echo.address()));
        Optional<InetSocketAddress> admin = proxy.adminAddress();
        Optional<Path> dumpDir = tcpcopyDumpDir(listener);
        Optional<String> window = Optional.empty();
        if (dumpDir.isPresent() && admin.isPresent()) {
            Window w = openWindow(admin.get(), listener.name());
            out.println(w.line());
            window = Optional.ofNullable(w.id());
        }
        out.printf("sending %d connections x %d KiB through %s ...%n", CONNECTIONS, BYTES_PER_CONNECTION / 1024, where);
        String problem = sendTraffic(proxyAddress, CONNECTIONS, BYTES_PER_CONNECTION);
        if (problem != null) {
            err.println("demo: traffic check failed: " + problem);
            return 1;
        }
        out.printf("ok: %d bytes went through the proxy and came back intact (compared byte for byte)%n",
                (long) CONNECTIONS * BYTES_PER_CONNECTION);
        String dumpLine = null;
        if (dumpDir.isPresent()) {
            awaitDumpWritten(proxy, listener.name());
            dumpLine = describeDump(dumpDir.get().resolve(TCP_COPY_LOG), window.orElse(null));
        }
        boolean stays = !options.exitAfterTraffic();
        out.println();
        out.println("Where to look:");
        if (stays) {
            out.println("  listener      " + where + "   (try: printf 'hello\\n' | socat -t 2 - TCP:" + where + ")");
        }
        if (admin.isPresent() && stays) {
            String base = "http://" + EchoServer.hostPort(admin.get());
            out.println("  config dump   curl " + base + "/api/v1/config_dump");
            out.println("  stats         curl " + base + "/api/v1/stats");
            if (dumpDir.isPresent()) {
                out.println("  tcpcopy       curl " + base + "/api/v1/tcpcopy/strategy");
                out.println("  new window    curl -X POST '" + base + "/api/v1/tcpcopy/window?duration_s=30'");
            }
        } else if (!stays) {
            out.println("  (the proxy and its admin API stop with the demo now; run ./ferry demo without"
                    + " --exit-after-traffic to keep them up and query them)");
        }
        if (dumpDir.isPresent()) {
            out.println("  tcpcopy dump  " + dumpLine);
            out.println("  inspect it    ./ferry dump inspect " + dumpDir.get()
                    + "   (connections, bytes, windows; ./ferry help dump)");
        }
        out.println("  the config    examples/configs/demo.json (run it by hand: see examples/configs/README.md)");
        if (!stays) {
            return 0;
        }
        out.println();
        out.println("Running; press Ctrl-C to stop.");
        out.flush();
        stop.join();
        return 0;
    }

    /** A capture window opened by the demo: the line to print, and its id (null if none was opened). */
    record Window(String line, String id) {
    }

    /**
     * Waits (up to 10 s) until tcpcopy has written every record it captured on {@code listener}
     * ({@code written_records} reaches {@code captured_records} in its stats), so what the demo then says about the
     * dump file is what the file holds, not a size taken mid-write.
     */
    static void awaitDumpWritten(ProxyServer proxy, String listener) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            JsonElement filters = proxy.stats().get("filters");
            JsonElement ns = filters != null && filters.isJsonObject()
                    ? filters.getAsJsonObject().get("tcpcopy." + listener) : null;
            if (ns == null || !ns.isJsonObject()) {
                return;
            }
            JsonObject c = ns.getAsJsonObject();
            long captured = c.has("captured_records") ? c.get("captured_records").getAsLong() : 0;
            long written = c.has("written_records") ? c.get("written_records").getAsLong() : 0;
            long dropped = 0;
            for (String k : c.keySet()) {
                if (k.startsWith("dropped_queue") || k.startsWith("dropped_write")) {
                    dropped += c.get(k).getAsLong();
                }
            }
            if (captured > 0 && written + dropped >= captured) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Layotto's file of captured bytes, in the dump dir. */
    static final String TCP_COPY_LOG = "dump_tcp_copy.log";

    /** Opens a capture window on {@code listener} through the admin API: one line saying what happened, and its id. */
    static Window openWindow(InetSocketAddress admin, String listener) {
        String url = "http://" + EchoServer.hostPort(admin) + "/api/v1/tcpcopy/window?duration_s=" + WINDOW_SECONDS
                + "&listener=" + URLEncoder.encode(listener, StandardCharsets.UTF_8);
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                String id = null;
                try {
                    JsonElement opened = JsonParser.parseString(r.body()).getAsJsonObject().get("opened");
                    if (opened != null && opened.isJsonArray() && !opened.getAsJsonArray().isEmpty()) {
                        id = opened.getAsJsonArray().get(0).getAsJsonObject().get("id").getAsString();
                    }
                } catch (RuntimeException e) {
                    id = null;
                }
                return new Window("tcpcopy: opened a " + WINDOW_SECONDS + " s capture window"
                        + (id == null ? "" : " " + id) + " on listener " + listener + " through the admin API", id);
            }
            return new Window("tcpcopy: no capture window (HTTP " + r.statusCode() + ": " + r.body().strip() + ")",
                    null);
        } catch (IOException e) {
            return new Window("tcpcopy: no capture window (" + e.getMessage() + ")", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Window("tcpcopy: no capture window (interrupted)", null);
        }
    }

    /**
     * Describes what this run captured in {@code file}: the number of lines of window {@code window} and the start
     * of the first one. Lines of earlier runs (other windows) are never shown; without a window, nothing is claimed.
     */
    static String describeDump(Path file, String window) {
        if (window == null) {
            return file + "   (no capture window was opened by this run)";
        }
        String tag = "[" + window + "]";
        try {
            if (!Files.isRegularFile(file)) {
                return file + "   (nothing captured by this run)";
            }
            long lines = 0;
            String first = null;
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.contains(tag)) {
                        lines++;
                        if (first == null) {
                            first = line;
                        }
                    }
                }
            }
            if (first == null) {
                return file + "   (nothing captured by this run's window " + window + ")";
            }
            String head = first.length() > 96 ? first.substring(0, 96) + " ..." : first;
            return file + "   (" + lines + " lines of this run's window " + window + "; the first: " + head + ")";
        } catch (IOException e) {
            return file + "   (" + e.getMessage() + ")";
        }
    }

    /** The bundled config as a JSON tree. */
    public static JsonObject bundledConfig() throws IOException {
        try (InputStream in = Demo.class.getResourceAsStream(CONFIG_RESOURCE)) {
            if (in == null) {
                throw new IOException("not on the class path");
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    /** {@code tree} with the listener, the echo host and the admin port set from {@code options}. */
    static JsonObject withPorts(JsonObject tree, Options options, int echoPort) {
        JsonObject copy = tree.deepCopy();
        JsonObject listener = copy.getAsJsonArray("servers").get(0).getAsJsonObject().getAsJsonArray("listeners")
                .get(0).getAsJsonObject();
        listener.addProperty("address", "127.0.0.1:" + options.listenPort());
        JsonArray hosts = copy.getAsJsonObject("cluster_manager").getAsJsonArray("clusters").get(0).getAsJsonObject()
                .getAsJsonArray("hosts");
        hosts.get(0).getAsJsonObject().addProperty("address", "127.0.0.1:" + echoPort);
        copy.getAsJsonObject("admin").getAsJsonObject("address").getAsJsonObject("socket_address")
                .addProperty("port_value", options.adminPort());
        if (options.dumpDir() != null) {
            for (JsonElement f : listener.getAsJsonArray("filter_chains").get(0).getAsJsonObject()
                    .getAsJsonArray("filters")) {
                JsonObject filter = f.getAsJsonObject();
                if ("tcpcopy".equals(filter.get("type").getAsString())) {
                    JsonObject config = filter.getAsJsonObject("config");
                    if (!config.has("dump")) {
                        config.add("dump", new JsonObject());
                    }
                    config.getAsJsonObject("dump").addProperty("dir", options.dumpDir().toString());
                }
            }
        }
        return copy;
    }

    /** A message naming the first busy port and the option that moves it, or null if all are free. */
    static String firstBusyPort(Options o) {
        int[][] ports = {{o.listenPort()}, {o.upstreamPort()}, {o.adminPort()}};
        String[] roles = {"the demo listener", "the echo upstream", "the admin API"};
        String[] flags = {"--listen-port", "--upstream-port", "--admin-port"};
        for (int i = 0; i < ports.length; i++) {
            int port = ports[i][0];
            if (port == 0) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                return "127.0.0.1:" + port + " (" + roles[i] + ") is in use; stop what uses it or pick another port"
                        + " with " + flags[i] + " N (0 picks a free one)";
            }
        }
        return null;
    }

    /**
     * Sends {@code bytes} pseudo-random bytes on each of {@code connections} parallel connections to {@code proxy} and
     * reads them back; returns null if every connection got exactly its bytes back, else what went wrong.
     */
    static String sendTraffic(InetSocketAddress proxy, int connections, int bytes) {
        ExecutorService pool = Executors.newFixedThreadPool(connections * 2, r -> {
            Thread t = new Thread(r, "ferry-demo-client");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                int id = i;
                results.add(pool.submit(() -> roundTrip(proxy, id, bytes, pool)));
            }
            for (Future<String> f : results) {
                String problem = f.get(60, TimeUnit.SECONDS);
                if (problem != null) {
                    return problem;
                }
            }
            return null;
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        } catch (Exception e) {
            return e.toString();
        } finally {
            pool.shutdownNow();
        }
    }

    private static String roundTrip(InetSocketAddress proxy, int id, int bytes, ExecutorService pool) throws Exception {
        byte[] payload = new byte[bytes];
        new Random(id).nextBytes(payload);
        try (Socket s = new Socket()) {
            s.connect(proxy, 10_000);
            s.setSoTimeout(30_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(payload);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, pool);
            byte[] back = s.getInputStream().readNBytes(bytes);
            writer.get(30, TimeUnit.SECONDS);
            if (back.length != bytes || !Arrays.equals(back, payload)) {
                return "connection " + id + ": sent " + bytes + " bytes (crc32 " + crc(payload) + "), got "
                        + back.length + " back (crc32 " + crc(back) + ")";
            }
            return null;
        }
    }

    private static String crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return Long.toHexString(c.getValue());
    }

    /** Where tcpcopy writes, if the listener runs it: {@code config.dump.dir}, or Layotto's default. */
    static Optional<Path> tcpcopyDumpDir(ListenerConfig listener) {
        for (FilterEntry f : listener.filters()) {
            if (f.type().equals("tcpcopy")) {
                JsonElement dump = f.config().get("dump");
                if (dump != null && dump.isJsonObject() && dump.getAsJsonObject().has("dir")) {
                    return Optional.of(Path.of(dump.getAsJsonObject().get("dir").getAsString()));
                }
                return Optional.of(Path.of(System.getProperty("user.home"), "logs", "mosn", "dump"));
            }
        }
        return Optional.empty();
    }
}
