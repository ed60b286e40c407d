package io.ferry.proxy.admin;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ferry.filter.api.admin.AdminHandler;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.admin.AdminRequest;
import io.ferry.filter.api.admin.AdminResponse;
import io.ferry.filter.api.spi.StatsRegistry;
import io.ferry.proxy.config.AdminConfig;
import io.ferry.proxy.config.ConfigRedactor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Ferry's admin API, MOSN's {@code pkg/admin/server} for an L4 proxy, on the JDK's {@code com.sun.net.httpserver}.
 *
 * <h2>Endpoints</h2>
 * <ul>
 *   <li>{@code GET /api/v1/config_dump}: the effective config, passed through {@link ConfigRedactor} (TLS private
 *       keys and every value whose key contains secret, token, password or key become {@code ***REDACTED***}). As in
 *       MOSN, one parameter picks a section: {@code mosnconfig}, {@code alllisteners}, {@code allclusters},
 *       {@code listener=NAME}, {@code cluster=NAME}.</li>
 *   <li>{@code GET /api/v1/stats}: {@code {"listeners": ..., "clusters": ..., "filters": {namespace: {key:
 *       value}}}}, the first two from the runtime's supplier, the last from {@link #filterStats()}.</li>
 *   <li>{@code GET /api/v1/version}: {@code ferry version: <v>}.</li>
 *   <li>{@code /}: the registered endpoints, one {@code METHOD path} per line.</li>
 *   <li>whatever filters {@link #register register} (tcpcopy adds {@code /api/v1/tcpcopy/...}).</li>
 * </ul>
 * A known path with another method answers 405 with an {@code Allow} header; an unknown path answers 404; both with
 * MOSN's JSON error body {@code {"error": "..."}}. A handler that throws answers 500 with the exception's message.
 *
 * <h2>Threading</h2>
 * Requests are served by the server's own pool of two daemon threads named {@code ferry-admin-N} (with up to 256
 * waiting; beyond that the HTTP server's accepting thread runs them itself, which slows a flood down), never by a
 * network event loop, so a slow handler or stats supplier cannot stall traffic. {@link #register} may be called from
 * any thread, before or after {@link #start()}.
 */
public final class AdminServer implements AdminRegistry, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls()
            .create();
    private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DELETE");
    private static final int MAX_BODY = 1 << 20;


    private final AdminConfig config;
    private final JsonObject effectiveConfig;
    private final Supplier<JsonObject> runtimeStats;
    private final FilterStatsRegistry filterStats = new FilterStatsRegistry();
    /** path → (method → handler); insertion order kept for the index page. */
    private final Map<String, Map<String, AdminHandler>> routes = new ConcurrentHashMap<>();
    private final Map<String, Boolean> order = java.util.Collections.synchronizedMap(new LinkedHashMap<>());

    private volatile java.util.function.Function<String, Set<String>> secretFields = type -> Set.of();
    private HttpServer server;
    private ExecutorService executor;

    /**
     * @param config          where to listen; an empty address means all interfaces, as in MOSN
     * @param effectiveConfig the config to dump (redacted on every request; not modified)
     * @param runtimeStats    the runtime's {@code {"listeners": ..., "clusters": ...}}, called on the admin thread
     */
    public AdminServer(AdminConfig config, JsonObject effectiveConfig, Supplier<JsonObject> runtimeStats) {
        this.config = Objects.requireNonNull(config, "config");
        this.effectiveConfig = effectiveConfig == null ? new JsonObject() : effectiveConfig.deepCopy();
        this.runtimeStats = runtimeStats == null ? JsonObject::new : runtimeStats;
        register("GET", "/api/v1/config_dump", this::configDump);
        register("GET", "/api/v1/stats", this::stats);
        register("GET", "/api/v1/version", r -> AdminResponse.text(200, "ferry version: " + FerryVersion.get()));
    }

    /**
     * The keys each filter type declares secret ({@code NetworkFilterFactoryProvider.secretFields()}), hidden in
     * that filter's {@code config} in {@code config_dump} besides everything the name rule hides.
     */
    public void secretFields(java.util.function.Function<String, Set<String>> byFilterType) {
        this.secretFields = Objects.requireNonNull(byFilterType, "byFilterType");
    }

    /** Where filters publish counters; they appear under {@code "filters"} in {@code /api/v1/stats}. */
    public StatsRegistry filterStats() {
        return filterStats;
    }

    /**
     * Adds an endpoint.
     *
     * @throws IllegalStateException    if {@code method path} is already registered
     * @throws IllegalArgumentException if the method is not GET, PUT, POST or DELETE, or the path does not start
     *                                  with {@code /api/v1/}
     */
    @Override
    public void register(String method, String path, AdminHandler handler) {
        Objects.requireNonNull(handler, "handler");
        String m = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
        if (!METHODS.contains(m)) {
            throw new IllegalArgumentException("method: \"" + method + "\" (expected: GET, PUT, POST or DELETE)");
        }
        if (path == null || !path.startsWith("/api/v1/") || path.length() == "/api/v1/".length()
                || path.contains("?")) {
            throw new IllegalArgumentException("path: " + (path == null ? "missing" : "\"" + path + "\"")
                    + " (expected: /api/v1/<name>..., without a query string)");
        }
        Map<String, AdminHandler> byMethod = routes.computeIfAbsent(path, p -> new ConcurrentHashMap<>());
        if (byMethod.putIfAbsent(m, handler) != null) {
            throw new IllegalStateException("admin endpoint " + m + " " + path + " is already registered");
        }
        order.put(m + " " + path, Boolean.TRUE);
    }

    /**
     * Binds and starts serving.
     *
     * @return the bound address (with the actual port when the config asks for port 0)
     * @throws IOException if the address cannot be bound
     */
    public synchronized InetSocketAddress start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("admin server already started on " + server.getAddress());
        }
        String host = config.address() == null || config.address().isEmpty() ? "0.0.0.0" : config.address();
        InetSocketAddress bind = new InetSocketAddress(host, config.port());
        HttpServer s;
        try {
            s = HttpServer.create(bind, 64);
        } catch (IOException e) {
            throw new IOException("admin.address.socket_address: cannot listen on " + host + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(256),
                r -> {
                    Thread t = new Thread(r, "ferry-admin-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy()); // a flood of requests slows the accept thread down
        pool.allowCoreThreadTimeOut(true);
        s.setExecutor(pool);
        s.createContext("/", this::serve);
        s.start();
        server = s;
        executor = pool;
        log.info("admin API listening on http://{}:{}/", host, s.getAddress().getPort());
        return s.getAddress();
    }

    /** Stops serving; idempotent. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    // ---- built-in endpoints ------------------------------------------------------------------------------------

    /**
     * MOSN's {@code config_dump}: no parameter dumps everything; exactly one of {@code mosnconfig},
     * {@code alllisteners}, {@code allclusters}, {@code listener=NAME} or {@code cluster=NAME} picks a section (an
     * unknown name gives {@code {}}, as MOSN answers a zero value).
     */
    private AdminResponse configDump(AdminRequest r) {
        JsonObject redacted = ConfigRedactor.redact(effectiveConfig, secretFields);
        if (r.query().isEmpty()) {
            return AdminResponse.json(200, PRETTY.toJson(redacted));
        }
        if (r.query().size() > 1 || r.query().values().iterator().next().size() > 1) {
            return AdminResponse.error(400, "only support one parameter");
        }
        String param = r.query().keySet().iterator().next();
        String value = r.query().get(param).get(0);
        Map<String, JsonElement> listeners = named(section(redacted, "servers", 0, "listeners"), "address");
        Map<String, JsonElement> clusters = named(section(redacted, "cluster_manager", -1, "clusters"), null);
        JsonElement answer;
        switch (param) {
            case "mosnconfig": answer = redacted; break;
            case "alllisteners": answer = asObject(listeners); break;
            case "allclusters": answer = asObject(clusters); break;
            case "listener": answer = listeners.getOrDefault(value, new JsonObject()); break;
            case "cluster": answer = clusters.getOrDefault(value, new JsonObject()); break;
            default:
                return AdminResponse.error(400, "unknown parameter " + param + " (expected: one of mosnconfig,"
                        + " alllisteners, allclusters, listener=NAME, cluster=NAME)");
        }
        return AdminResponse.json(200, PRETTY.toJson(answer));
    }

    /** {@code root.<outer>[index].<inner>} (or {@code root.<outer>.<inner>} when index < 0), keys case-insensitive. */
    private static com.google.gson.JsonArray section(JsonObject root, String outer, int index, String inner) {
        JsonElement o = member(root, outer, true);
        if (o != null && index >= 0) {
            o = o.isJsonArray() && o.getAsJsonArray().size() > index ? o.getAsJsonArray().get(index) : null;
        }
        JsonElement a = o != null && o.isJsonObject() ? member(o.getAsJsonObject(), inner, true) : null;
        return a != null && a.isJsonArray() ? a.getAsJsonArray() : new com.google.gson.JsonArray();
    }

    /** Entries by their {@code name}, or by {@code fallbackKey} when the name is empty (MOSN's listener default). */
    private static Map<String, JsonElement> named(com.google.gson.JsonArray entries, String fallbackKey) {
        Map<String, JsonElement> byName = new LinkedHashMap<>();
        for (JsonElement e : entries) {
            if (!e.isJsonObject()) {
                continue;
            }
            JsonElement name = member(e.getAsJsonObject(), "name", true);
            if ((name == null || !name.isJsonPrimitive() || name.getAsString().isEmpty()) && fallbackKey != null) {
                name = member(e.getAsJsonObject(), fallbackKey, true);
            }
            if (name != null && name.isJsonPrimitive()) {
                byName.put(name.getAsString(), e);
            }
        }
        return byName;
    }

    private static JsonObject asObject(Map<String, JsonElement> entries) {
        JsonObject o = new JsonObject();
        entries.forEach(o::add);
        return o;
    }

    /** The last member whose key equals {@code key} ignoring case, as the config loader reads keys. */
    private static JsonElement member(JsonObject o, String key, boolean foldCase) {
        JsonElement found = null;
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (foldCase ? e.getKey().equalsIgnoreCase(key) : e.getKey().equals(key)) {
                found = e.getValue();
            }
        }
        return found;
    }

    private AdminResponse stats(AdminRequest r) {
        JsonObject runtime = runtimeStats.get();
        JsonObject out = new JsonObject();
        out.add("listeners", member(runtime, "listeners"));
        out.add("clusters", member(runtime, "clusters"));
        if (runtime != null) {
            for (Map.Entry<String, JsonElement> e : runtime.entrySet()) {
                if (!out.has(e.getKey()) && !e.getKey().equals("filters")) {
                    out.add(e.getKey(), e.getValue());
                }
            }
        }
        out.add("filters", filterStats.snapshot());
        return AdminResponse.json(200, PRETTY.toJson(out));
    }

    private static JsonElement member(JsonObject o, String key) {
        JsonElement e = o == null ? null : member(o, key, false);
        return e == null ? new JsonObject() : e;
    }

    private AdminResponse index() {
        StringBuilder sb = new StringBuilder();
        List<String> lines;
        synchronized (order) {
            lines = new ArrayList<>(order.keySet());
        }
        for (String line : lines) {
            sb.append(line).append('\n');
        }
        return AdminResponse.text(200, sb.toString());
    }

    // ---- dispatch ----------------------------------------------------------------------------------------------

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            AdminResponse response;
            Map<String, String> headers = new TreeMap<>();
            try {
                response = dispatch(exchange, headers);
            } catch (Exception e) {
                log.warn("admin {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
                response = AdminResponse.error(500, String.valueOf(e.getMessage() == null ? e : e.getMessage()));
            }
            byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
            exchange.sendResponseHeaders(response.status(), head || body.length == 0 ? -1 : body.length);
            if (!head && body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private AdminResponse dispatch(HttpExchange exchange, Map<String, String> headers) throws Exception {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = exchange.getRequestURI().getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            return index();
        }
        Map<String, AdminHandler> byMethod = routes.get(path);
        if (byMethod == null) {
            return AdminResponse.error(404, "no admin endpoint at " + path + "; GET / lists them");
        }
        AdminHandler handler = byMethod.get(method);
        if (handler == null) {
            String allow = String.join(", ", new java.util.TreeSet<>(byMethod.keySet()));
            headers.put("Allow", allow);
            return AdminResponse.error(405, method + " is not allowed on " + path + " (allowed: " + allow + ")");
        }
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                return AdminResponse.error(413, "request body larger than " + MAX_BODY + " bytes");
            }
            body = new String(bytes, StandardCharsets.UTF_8);
        }
        AdminRequest request = new AdminRequest(method, path, parseQuery(exchange.getRequestURI().getRawQuery()), body);
        AdminResponse response = handler.handle(request);
        if (response == null) {
            throw new IllegalStateException("the handler of " + method + " " + path + " returned null");
        }
        return response;
    }

    /** {@code a=1&b=x%20y&a=2} → {@code {a: [1, 2], b: ["x y"]}}; a parameter without {@code =} has value "". */
    static Map<String, List<String>> parseQuery(String rawQuery) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String part : rawQuery.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        query.replaceAll((k, v) -> List.copyOf(v));
        return query;
    }
}
