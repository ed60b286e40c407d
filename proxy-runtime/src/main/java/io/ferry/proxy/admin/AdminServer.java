package io.ferry.proxy.admin;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.ferry.filter.api.admin.AdminHandler;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.admin.AdminRequest;
import io.ferry.filter.api.admin.AdminResponse;
import io.ferry.proxy.config.AdminConfig;
import io.ferry.proxy.config.ConfigRedactor;
import io.ferry.proxy.logging.LogRedaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
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
import java.util.function.Supplier;

/**
 * Ferry's admin API, MOSN's {@code pkg/admin/server} for an L4 proxy, on a small Netty HTTP server of its own
 * ({@link HttpEndpoint}) that slow clients cannot starve.
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
 * <h2>Threading and limits</h2>
 * Requests are read without blocking by one I/O thread of the admin server's own ({@code ferry-admin-io}) and served
 * by its pool of two daemon threads named {@code ferry-admin-N}, never by a network event loop, so a slow handler or
 * stats supplier cannot stall traffic, and a client that sends half a request holds no thread. {@link HttpLimits}
 * bounds the rest: a request's headers must arrive within 10 s and its body within 30 s (else {@code 408} and the
 * connection is closed), at most 64 connections are open at once (one more gets {@code 503}), a body is at most
 * 1 MiB ({@code 413}). {@link #register} may be called from any thread, before or after {@link #start()}.
 */
public final class AdminServer implements AdminRegistry, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls()
            .create();
    private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DELETE");


    private final AdminConfig config;
    private final JsonObject effectiveConfig;
    private final Supplier<JsonObject> runtimeStats;
    private final FilterStatsRegistry filterStats = new FilterStatsRegistry();
    /** path → (method → handler); insertion order kept for the index page. */
    private final Map<String, Map<String, AdminHandler>> routes = new ConcurrentHashMap<>();
    private final Map<String, Boolean> order = java.util.Collections.synchronizedMap(new LinkedHashMap<>());

    private volatile java.util.function.Function<String, Set<String>> secretFields = type -> Set.of();
    private final HttpLimits limits;
    private HttpEndpoint server;

    /**
     * @param config          where to listen; an empty address means all interfaces, as in MOSN
     * @param effectiveConfig the config to dump (redacted on every request; not modified)
     * @param runtimeStats    the runtime's {@code {"listeners": ..., "clusters": ...}}, called on the admin thread
     */
    public AdminServer(AdminConfig config, JsonObject effectiveConfig, Supplier<JsonObject> runtimeStats) {
        this(config, effectiveConfig, runtimeStats, HttpLimits.defaults());
    }

    /** As {@link #AdminServer(AdminConfig, JsonObject, Supplier)}, with explicit timeouts and connection cap. */
    public AdminServer(AdminConfig config, JsonObject effectiveConfig, Supplier<JsonObject> runtimeStats,
                       HttpLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
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

    private volatile java.util.function.UnaryOperator<JsonObject> dumpDecorator = UnaryOperatorHolder.IDENTITY;

    /**
     * Adds run-time state to every {@code config_dump} before it is redacted (the runtime adds each cluster's current
     * hosts and their health). {@code decorator} gets a copy it may change.
     */
    public void dumpDecorator(java.util.function.UnaryOperator<JsonObject> decorator) {
        this.dumpDecorator = Objects.requireNonNull(decorator, "decorator");
    }

    private static final class UnaryOperatorHolder {
        static final java.util.function.UnaryOperator<JsonObject> IDENTITY = o -> o;
    }

    /** Where filters publish counters; they appear under {@code "filters"} in {@code /api/v1/stats}. */
    public FilterStatsRegistry filterStats() {
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
            throw new IllegalStateException("admin server already started");
        }
        String host = config.address() == null || config.address().isEmpty() ? "0.0.0.0" : config.address();
        HttpEndpoint s = new HttpEndpoint("ferry-admin", limits, this::serve);
        InetSocketAddress bound;
        try {
            bound = s.start(new InetSocketAddress(host, config.port()));
        } catch (IOException e) {
            throw new IOException("admin.address.socket_address: cannot listen on " + host + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
        server = s;
        log.info("admin API listening on http://{}:{}/", host, bound.getPort());
        return bound;
    }

    /** Stops serving; idempotent. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.close();
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
        JsonObject redacted = ConfigRedactor.redact(dumpDecorator.apply(effectiveConfig.deepCopy()), secretFields);
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
        JsonElement filters = runtime == null ? null : runtime.get("filters");
        out.add("filters", filters != null && filters.isJsonObject() ? filters : filterStats.snapshot());
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

    private HttpEndpoint.Response serve(HttpEndpoint.Request exchange) {
        AdminResponse response;
        Map<String, String> headers = new TreeMap<>();
        try {
            response = dispatch(exchange, headers);
        } catch (Exception e) {
            String message = LogRedaction.scrub(String.valueOf(e.getMessage() == null ? e : e.getMessage()));
            log.warn("admin {} {} failed: {}", exchange.method(), exchange.path(), message);
            response = AdminResponse.error(500, message);
        }
        return new HttpEndpoint.Response(response.status(), response.contentType(), headers,
                response.body().getBytes(StandardCharsets.UTF_8));
    }

    private AdminResponse dispatch(HttpEndpoint.Request exchange, Map<String, String> headers) throws Exception {
        String method = exchange.method();
        String path = exchange.path();
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
        AdminRequest request = new AdminRequest(method, path, parseQuery(exchange.rawQuery()), exchange.body());
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
