package io.ferry.proxy.config;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a MOSN configuration file (mosn/mosn {@code pkg/config/v2}) into a {@link FerryConfig}, with MOSN's decoding
 * rules and Ferry's L4 scope.
 *
 * <h2>Decoding, as Go's {@code encoding/json}</h2>
 * <ul>
 *   <li>Keys match case-insensitively ({@code "Name"} is {@code name}); among keys of one object that fold to the same
 *       field, the last one in the file wins, and so does a key written twice.</li>
 *   <li>JSON {@code null} leaves a field at its default, except for durations, which MOSN rejects.</li>
 *   <li>Durations are strings {@code time.ParseDuration} accepts ({@code "10s"}, {@code "300ms"}, {@code "1m30s"})
 *       or the bare number {@code 0}.</li>
 *   <li>A value of the wrong JSON type is an error.</li>
 * </ul>
 *
 * <h2>What happens to each key</h2>
 * <ul>
 *   <li><b>Honoured:</b> exactly one {@code servers[]} entry with {@code default_log_path}, {@code default_log_level},
 *       {@code graceful_timeout} (default 30 s) and {@code listeners[]} ({@code name} defaulting to the address,
 *       {@code address} (required), {@code bind_port}, {@code network} tcp (default) or unix,
 *       {@code connection_idle_timeout} (default 90 s), {@code use_original_dst} ({@code redirect} or {@code tproxy})
 *       with the {@code original_dst} listener filter, exactly one filter chain with {@code filters[] {type,
 *       config}}); {@code cluster_manager.clusters[]} or the files of {@code cluster_manager.clusters_configs}
 *       ({@code name} (required, unique), {@code type} SIMPLE, STRICT_DNS or ORIGINAL_DST, every {@code lb_type},
 *       {@code lbconfig.choice_count}/{@code active_request_bias}, {@code hosts[] {address, weight}},
 *       {@code connect_timeout} (default 10 s), {@code idle_timeout}, {@code circuit_breakers[0].max_connections},
 *       {@code health_check}, {@code dns_refresh_rate}, {@code dns_lookup_family}, {@code mark},
 *       {@code original_dst_lb_config.replace_local}); {@code admin.address.socket_address};
 *       {@code metrics.sinks[]} of type {@code prometheus} ({@link PrometheusSinkConfig}).</li>
 *   <li><b>Accepted and ignored</b>, with one warning line per JSON path saying why: MOSN features with no L4 effect
 *       or that Ferry does not implement ({@code pprof}, {@code tracing}, metrics sinks of other types,
 *       hot-upgrade switches, listener {@code log_path}, {@code access_logs},
 *       {@code stream_filters}, disabled {@code tls_context}, cluster {@code keepalive}, {@code metadata}, ...).</li>
 *   <li><b>Unknown</b> keys are ignored, with one warning line per JSON path (MOSN ignores them silently).</li>
 *   <li><b>Refused</b> at startup, with an error naming the JSON path and saying that the feature is unsupported by
 *       Ferry's L4 engine: filters {@code proxy}, {@code grpc}, {@code tunnel}, {@code connection_manager},
 *       {@code udp_proxy}; non-empty {@code servers[0].routers}; TLS with {@code status: true} anywhere;
 *       {@code dynamic_resources}/{@code static_resources} (xDS); {@code network: udp}; listener filters other than
 *       {@code original_dst}; {@code third_part_codec}, {@code wasm_global_plugins} and non-empty
 *       {@code extends}.</li>
 * </ul>
 *
 * <h2>Every problem at once</h2>
 * Loading does not stop at the first problem: every value that cannot be used is reported, and the
 * {@link ConfigException} lists them all, one line each, in file order ({@link ConfigException#problems()}). Its
 * {@link ConfigException#partial()} holds what could be read, so that the filters' own validation can still run and
 * add their problems to the same report (the CLI does that).
 *
 * <p>Every error has Ferry's one format, {@code <json-path>: <value> (expected: ...)}, the value rendered as the JSON
 * of the file; a file that cannot be read or is not JSON is named with the line and column. Filter types are not
 * resolved here: the filter registry does that at startup, from {@link FilterEntry#type()} and
 * {@link FilterEntry#path()}.
 *
 * <p>Stateless and thread-safe.
 */
public final class MosnConfigLoader {

    /** MOSN's {@code graceful_timeout} default (pkg/server/reconfigure.go). */
    public static final Duration DEFAULT_GRACEFUL_TIMEOUT = Duration.ofSeconds(30);
    /** MOSN's {@code connection_idle_timeout} default (pkg/network/idlechecker.go). */
    public static final Duration DEFAULT_CONNECTION_IDLE_TIMEOUT = Duration.ofSeconds(90);
    /** MOSN's cluster {@code connect_timeout} default (pkg/network/connection.go). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final String L4 = " is unsupported by Ferry's L4 engine";

    /** Network filters an L4 engine cannot run, with why. */
    private static final Map<String, String> REFUSED_FILTERS = Map.of(
            "proxy", "L7 (HTTP/RPC) proxying" + L4,
            "connection_manager", "L7 routing" + L4,
            "grpc", "serving gRPC" + L4,
            "tunnel", "MOSN's tunnel protocol" + L4,
            "udp_proxy", "UDP proxying" + L4 + ", which is TCP-only");

    private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");
    private static final Set<String> OTHER_MOSN_LB_TYPES = Set.of("LB_LEAST_REQUEST", "LB_MAGLEV",
            "LB_REQUEST_ROUNDROBIN", "LB_LEAST_CONNECTION", "LB_PEAK_EWMA", "LB_ORIGINAL_DST");

    private static final Pattern GSON_POSITION = Pattern.compile(" at line (\\d+) column (\\d+)");
    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);

    private MosnConfigLoader() {
    }

    /**
     * Reads and validates {@code file}.
     *
     * @throws ConfigException if the file cannot be read, is not JSON, or is not a config Ferry can run
     */
    public static FerryConfig load(Path file) throws ConfigException {
        String name = file.toString();
        String lower = JsonNode.lower(name);
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            throw new ConfigException(name + ": a YAML file (expected: a JSON config file; convert YAML to JSON first)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name + ": cannot read: no such file (expected: a readable MOSN JSON config file)", e);
        } catch (IOException e) {
            throw new ConfigException(name + ": cannot read: " + e + " (expected: a readable MOSN JSON config file)", e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(name + ": not UTF-8 text (expected: a MOSN JSON config file)", e);
        }
        return parse(text, name);
    }

    /**
     * Parses and validates {@code json}; {@code sourceName} (a file name) appears in syntax errors.
     *
     * @throws ConfigException if the text is not JSON or not a config Ferry can run
     */
    public static FerryConfig parse(String json, String sourceName) throws ConfigException {
        JsonElement root = parseTree(json, sourceName);
        if (!root.isJsonObject()) {
            throw new ConfigException(sourceName + ": " + JsonNode.render(root) + " (expected: a JSON object)");
        }
        Loading loading = new Loading(root.getAsJsonObject(), null);
        loading.warnings.addAll(duplicateKeys(json));
        return loading.load();
    }

    /**
     * One warning per key given more than once in the same object of {@code json} (already parsed, so well formed):
     * the last value is the one used, as MOSN's decoder (Go's {@code encoding/json}) uses it, and the others are
     * silently lost there; Ferry says so, with the path of the key.
     */
    static List<String> duplicateKeys(String json) {
        List<String> out = new ArrayList<>();
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.setStrictness(Strictness.STRICT);
            duplicateKeys(reader, "", out);
        } catch (IOException | RuntimeException e) {
            // parseTree accepted the text; nothing more to say about it
        }
        return out;
    }

    private static void duplicateKeys(JsonReader reader, String path, List<String> out) throws IOException {
        switch (reader.peek()) {
            case BEGIN_OBJECT -> {
                reader.beginObject();
                Map<String, Integer> seen = new LinkedHashMap<>();
                while (reader.hasNext()) {
                    String key = reader.nextName();
                    seen.merge(key, 1, Integer::sum);
                    duplicateKeys(reader, path.isEmpty() ? key : path + "." + key, out);
                }
                reader.endObject();
                seen.forEach((key, n) -> {
                    if (n > 1) {
                        out.add((path.isEmpty() ? key : path + "." + key) + ": given " + n + " times in one object;"
                                + " the last value is used, as MOSN's decoder uses it, the others are ignored");
                    }
                });
            }
            case BEGIN_ARRAY -> {
                reader.beginArray();
                for (int i = 0; reader.hasNext(); i++) {
                    duplicateKeys(reader, path + "[" + i + "]", out);
                }
                reader.endArray();
            }
            default -> reader.skipValue();
        }
    }

    /** Strict JSON (RFC 8259, as Go's decoder), the whole text; errors name the source, line and column. */
    static JsonElement parseTree(String json, String sourceName) throws ConfigException {
        if (json.isBlank()) {
            throw new ConfigException(sourceName + ": empty file (expected: a MOSN JSON config object)");
        }
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = TREE.read(reader);
            String afterValue = position(reader);
            boolean trailing;
            try {
                trailing = reader.peek() != JsonToken.END_DOCUMENT;
            } catch (IOException e) {
                trailing = true;
            }
            if (trailing) {
                throw syntaxError(sourceName, "unexpected data after the top-level value" + afterValue);
            }
            return root;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw syntaxError(sourceName, String.valueOf(e.getMessage()));
        }
    }

    private static String position(JsonReader reader) {
        String s = reader.toString();
        int at = s.indexOf(" at line ");
        return at < 0 ? "" : s.substring(at).replaceAll(" path .*$", "");
    }

    private static ConfigException syntaxError(String source, String gsonMessage) {
        Matcher m = GSON_POSITION.matcher(gsonMessage);
        String where = "";
        String what = gsonMessage;
        if (m.find()) {
            where = ":" + m.group(1) + ":" + m.group(2);
            what = gsonMessage.substring(0, m.start());
        }
        int see = what.indexOf("\nSee ");
        if (see >= 0) {
            what = what.substring(0, see);
        }
        if (what.startsWith("Use JsonReader.setStrictness")) {
            what = "malformed JSON (comments, single quotes, unquoted names and unescaped control characters are not"
                    + " allowed)";
        }
        return new ConfigException(source + where + ": not valid JSON: " + what.trim()
                + " (expected: a MOSN JSON config)");
    }

    /** One load: collects warnings and problems while walking the tree. */
    private static final class Loading {

        private final JsonObject rootObject;
        private final Path baseDir;
        private final Set<String> warnings = new LinkedHashSet<>();
        private final Problems problems = new Problems();

        Loading(JsonObject rootObject, Path baseDir) {
            this.rootObject = rootObject;
            this.baseDir = baseDir;
        }

        FerryConfig load() throws ConfigException {
            JsonNode root = new JsonNode(rootObject, "", problems);
            refuseIfPresent(root, "dynamic_resources", "absent; xDS configuration" + L4 + ", use servers[] and cluster_manager");
            refuseIfPresent(root, "static_resources", "absent; xDS configuration" + L4 + ", use servers[] and cluster_manager");
            refuseIfPresent(root, "third_part_codec", "absent; third-party codecs" + L4);
            refuseIfPresent(root, "wasm_global_plugins", "absent; WebAssembly plugins" + L4);
            refuseIfPresent(root, "extends", "absent or empty; MOSN extensions" + L4);
            for (String key : List.of("pprof", "tracing", "plugin", "disable_upgrade", "close_graceful",
                    "inherit_old_mosnconfig", "pid", "uds_dir", "node")) {
                ignored(root, key, "no effect in Ferry");
            }

            ServerConfig server = server(root);
            JsonObject effective = rootObject.deepCopy();
            List<ClusterConfig> clusters = clusters(root, effective);
            Optional<AdminConfig> admin = admin(root);
            List<PrometheusSinkConfig> prometheus = metrics(root);
            unknown(root);
            FerryConfig config = new FerryConfig(server, clusters, admin, effective, new ArrayList<>(warnings),
                    prometheus);
            problems.throwIfAny(config);
            return config;
        }

        private void problem(ConfigException e) {
            problems.add(e);
        }

        // ---- servers -------------------------------------------------------------------------------------------

        private ServerConfig server(JsonNode root) throws ConfigException {
            JsonArray servers = root.array("servers");
            if (servers == null || servers.isEmpty()) {
                problem(ConfigException.at(root.fieldPath("servers"), servers == null ? null : JsonNode.render(servers),
                        "exactly one server"));
                return new ServerConfig("", null, "INFO", DEFAULT_GRACEFUL_TIMEOUT, List.of());
            }
            if (servers.size() > 1) {
                problem(ConfigException.at(root.fieldPath("servers"), JsonNode.render(servers),
                        "exactly one server; MOSN does not support several either"));
            }
            String path = root.fieldPath("servers") + "[0]";
            JsonNode s = element(servers.get(0), path);
            if (s == null) {
                return new ServerConfig("", null, "INFO", DEFAULT_GRACEFUL_TIMEOUT, List.of());
            }

            JsonArray routers = s.array("routers");
            if (routers != null && !routers.isEmpty()) {
                problem(ConfigException.at(s.fieldPath("routers"), JsonNode.render(routers),
                        "no routers; L7 routing" + L4));
            }
            String name = s.string("mosn_server_name", "");
            String logPath = s.string("default_log_path", null);
            String logLevel = s.string("default_log_level", "INFO");
            if (!LOG_LEVELS.contains(logLevel)) {
                warnings.add(s.fieldPath("default_log_level") + ": \"" + logLevel
                        + "\" is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (case-sensitive, as in MOSN); using INFO");
                logLevel = "INFO";
            }
            Duration graceful = s.duration("graceful_timeout", DEFAULT_GRACEFUL_TIMEOUT);
            for (String key : List.of("global_log_roller", "use_netpoll_mode", "processor")) {
                ignored(s, key, "no effect in Ferry");
            }
            JsonArray listenersJson = s.array("listeners");
            List<ListenerConfig> listeners = new ArrayList<>();
            Map<String, String> names = new HashMap<>();
            if (listenersJson != null) {
                for (int i = 0; i < listenersJson.size(); i++) {
                    JsonNode ln = element(listenersJson.get(i), s.fieldPath("listeners") + "[" + i + "]");
                    ListenerConfig l = ln == null ? null : listener(ln, i);
                    if (l == null) {
                        continue;
                    }
                    String earlier = names.putIfAbsent(l.name(), l.path());
                    if (earlier != null) {
                        problem(ConfigException.at(l.path() + ".name", l.name(),
                                "a unique listener name; " + earlier + " has it too"));
                        continue;
                    }
                    listeners.add(l);
                }
            }
            if (listeners.isEmpty() && (listenersJson == null || listenersJson.isEmpty())) {
                warnings.add(s.fieldPath("listeners") + ": no listeners; Ferry will accept no connections");
            }
            unknown(s);
            return new ServerConfig(name, logPath, logLevel, graceful, listeners);
        }

        /** The listener, or null when it cannot be used at all (its problems are recorded). */
        private ListenerConfig listener(JsonNode l, int index) throws ConfigException {
            boolean usable = true;
            String network = JsonNode.lower(l.string("network", "tcp"));
            if (network.isEmpty()) {
                network = "tcp";
            }
            if (network.equals("udp")) {
                problem(ConfigException.at(l.fieldPath("network"), l.string("network", null),
                        "tcp or unix; UDP" + L4 + ", which is TCP-only"));
                usable = false;
            } else if (!network.equals("tcp") && !network.equals("unix")) {
                problem(ConfigException.at(l.fieldPath("network"), l.string("network", null), "tcp or unix"));
                usable = false;
            }
            String address = l.string("address", null);
            String host = null;
            int port = -1;
            if (address == null || address.isEmpty()) {
                problem(ConfigException.at(l.fieldPath("address"), address,
                        network.equals("unix") ? "a socket path" : "\"host:port\", e.g. \"127.0.0.1:2045\""));
                usable = false;
            } else if (network.equals("tcp")) {
                int colon = address.lastIndexOf(':');
                String portText = colon < 0 ? "" : address.substring(colon + 1);
                host = colon < 0 ? "" : address.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                } else if (host.contains(":")) {
                    host = null; // an IPv6 address without brackets
                }
                port = parsePort(portText);
                if (host == null || port < 0) {
                    problem(ConfigException.at(l.fieldPath("address"), address,
                            "\"host:port\" with a port from 0 to 65535, e.g. \"127.0.0.1:2045\" or \"[::1]:2045\""));
                    usable = false;
                } else if (host.isEmpty()) {
                    host = "0.0.0.0"; // Go listens on all interfaces for ":port"
                }
            }
            String name = l.string("name", "");
            if (name.isEmpty()) {
                name = address == null ? "" : address;
            }
            boolean bindPort = l.bool("bind_port", false);
            if (!bindPort) {
                warnings.add(l.fieldPath("bind_port") + ": false or absent; as in MOSN, this listener will not listen"
                        + " (set \"bind_port\": true); it takes only connections handed over by a listener with"
                        + " use_original_dst");
            }
            Duration idle = l.duration("connection_idle_timeout", DEFAULT_CONNECTION_IDLE_TIMEOUT);
            OriginalDstConfig originalDst = originalDst(l, network);

            ignored(l, "type", "informational in MOSN");
            ignored(l, "inspector", "only meaningful with TLS");
            ignored(l, "log_path", "not a listener field in MOSN either");
            ignored(l, "log_level", "not a listener field in MOSN either");
            ignored(l, "access_logs", "MOSN's tcp_proxy never writes them either");
            ignored(l, "stream_filters", "used only by MOSN's L7 filters");
            ignored(l, "default_read_buffer_size", "Ferry sizes read buffers itself");
            ignored(l, "reuseport", "UDP only in MOSN");

            JsonArray chains = l.array("filter_chains");
            List<FilterEntry> filters = List.of();
            if (chains == null || chains.size() != 1) {
                problem(ConfigException.at(l.fieldPath("filter_chains"), chains == null ? null : JsonNode.render(chains),
                        "exactly one filter chain, as in MOSN"));
            } else {
                JsonNode chain = element(chains.get(0), l.fieldPath("filter_chains") + "[0]");
                if (chain != null) {
                    filters = filterChain(chain);
                }
            }
            unknown(l);
            return usable ? new ListenerConfig(index, name, network, address, host, port, bindPort, idle, filters,
                    originalDst) : null;
        }

        /**
         * {@code use_original_dst} and {@code listener_filters}. As in MOSN, the {@code original_dst} listener filter
         * acts only on a listener with {@code use_original_dst}; its {@code type} and {@code fallback_to_local} then
         * apply.
         */
        private OriginalDstConfig originalDst(JsonNode l, String network) throws ConfigException {
            String use = null;
            JsonElement useJson = l.get("use_original_dst");
            if (!JsonNode.isEmpty(useJson)) {
                String expected = "\"redirect\" or \"tproxy\" (MOSN's old boolean form is refused by MOSN too)";
                if (!useJson.isJsonPrimitive() || !useJson.getAsJsonPrimitive().isString()) {
                    problem(ConfigException.at(l.fieldPath("use_original_dst"), JsonNode.render(useJson), expected));
                } else if (!useJson.getAsString().equals(OriginalDstConfig.REDIRECT)
                        && !useJson.getAsString().equals(OriginalDstConfig.TPROXY)) {
                    problem(ConfigException.at(l.fieldPath("use_original_dst"), useJson.getAsString(), expected));
                } else if (!network.equals("tcp")) {
                    problem(ConfigException.at(l.fieldPath("use_original_dst"), useJson.getAsString(),
                            "absent on a " + network + " listener; original destinations exist for TCP only"));
                } else {
                    use = useJson.getAsString();
                }
            } else {
                l.raw("use_original_dst");
            }
            String filterType = null;
            boolean fallbackToLocal = false;
            JsonArray lf = l.array("listener_filters");
            if (lf != null) {
                for (int i = 0; i < lf.size(); i++) {
                    JsonNode f = element(lf.get(i), l.fieldPath("listener_filters") + "[" + i + "]");
                    if (f == null) {
                        continue;
                    }
                    String type = f.string("type", "");
                    if (!type.equals("original_dst")) {
                        problem(ConfigException.at(f.fieldPath("type"), type,
                                "\"original_dst\", the only listener filter MOSN has for TCP"));
                        continue;
                    }
                    JsonNode config = f.object("config");
                    String t = OriginalDstConfig.REDIRECT;
                    if (config != null) {
                        t = config.string("type", "");
                        if (t.isEmpty()) {
                            t = OriginalDstConfig.REDIRECT;
                        } else if (!t.equals(OriginalDstConfig.REDIRECT) && !t.equals(OriginalDstConfig.TPROXY)) {
                            problem(ConfigException.at(config.fieldPath("type"), t,
                                    "\"redirect\" (the default) or \"tproxy\""));
                        }
                        fallbackToLocal = config.bool("fallback_to_local", false);
                        unknown(config);
                    }
                    unknown(f);
                    if (filterType == null) {
                        filterType = t;
                    }
                }
                if (filterType != null && use == null && JsonNode.isEmpty(useJson)) {
                    warnings.add(l.fieldPath("listener_filters") + ": the original_dst listener filter acts only on a"
                            + " listener with use_original_dst, as in MOSN; this one has none, so it has no effect");
                    return null;
                }
            }
            if (use == null) {
                return null;
            }
            return new OriginalDstConfig(filterType != null ? filterType : use, fallbackToLocal);
        }

        private List<FilterEntry> filterChain(JsonNode chain) throws ConfigException {
            boolean single = chain.has("tls_context");
            boolean set = chain.has("tls_context_set");
            if (single && set) {
                problem(ConfigException.at(chain.fieldPath("tls_context_set"),
                        JsonNode.render(chain.get("tls_context_set")),
                        "absent when tls_context is given; MOSN allows only one of them"));
            }
            tls(chain, "tls_context");
            tlsSet(chain);
            ignored(chain, "match", "never evaluated by MOSN either");
            JsonArray filtersJson = chain.array("filters");
            if (filtersJson == null || filtersJson.isEmpty()) {
                if (!chain.has("filters") || filtersJson != null) {
                    problem(ConfigException.at(chain.fieldPath("filters"),
                            filtersJson == null ? null : JsonNode.render(filtersJson),
                            "at least one network filter, e.g. {\"type\": \"tcp_proxy\", \"config\": {...}}"));
                }
                unknown(chain);
                return List.of();
            }
            List<FilterEntry> filters = new ArrayList<>();
            for (int i = 0; i < filtersJson.size(); i++) {
                String path = chain.fieldPath("filters") + "[" + i + "]";
                JsonNode f = element(filtersJson.get(i), path);
                if (f == null) {
                    continue;
                }
                String type = f.string("type", null);
                if (type == null || type.isEmpty()) {
                    problem(ConfigException.at(f.fieldPath("type"), type, "a network filter type, e.g. \"tcp_proxy\""));
                    continue;
                }
                String refused = REFUSED_FILTERS.get(type);
                if (refused != null) {
                    problem(ConfigException.at(f.fieldPath("type"), type,
                            "an L4 network filter such as tcp_proxy; " + refused));
                    continue;
                }
                JsonNode config = f.object("config");
                JsonObject configObject = config == null ? new JsonObject() : configObjectOf(f);
                unknown(f);
                filters.add(new FilterEntry(type, configObject, path));
            }
            unknown(chain);
            return filters;
        }

        private JsonObject configObjectOf(JsonNode filter) {
            JsonElement e = filter.get("config");
            return e.getAsJsonObject().deepCopy();
        }

        private void tlsSet(JsonNode owner) throws ConfigException {
            JsonArray set = owner.array("tls_context_set");
            if (set == null) {
                return;
            }
            boolean anyContent = false;
            for (int i = 0; i < set.size(); i++) {
                String path = owner.fieldPath("tls_context_set") + "[" + i + "]";
                JsonNode t = element(set.get(i), path);
                if (t == null) {
                    continue;
                }
                refuseTlsOn(t);
                anyContent |= !set.get(i).getAsJsonObject().isEmpty();
            }
            if (anyContent) {
                warnings.add(owner.fieldPath("tls_context_set") + ": accepted, ignored (TLS is off)");
            }
        }

        private void tls(JsonNode owner, String key) throws ConfigException {
            JsonNode t = owner.object(key);
            if (t == null) {
                return;
            }
            if (!refuseTlsOn(t)) {
                warnings.add(owner.fieldPath(key) + ": accepted, ignored (TLS is off)");
            }
        }

        /** True (and a problem recorded) when TLS is switched on. */
        private boolean refuseTlsOn(JsonNode t) throws ConfigException {
            if (t.bool("status", false)) {
                problem(ConfigException.at(t.fieldPath("status"), Boolean.TRUE, "false or absent; TLS" + L4));
                return true;
            }
            return false;
        }

        // ---- clusters ------------------------------------------------------------------------------------------

        private List<ClusterConfig> clusters(JsonNode root, JsonObject effective) throws ConfigException {
            JsonNode cm = root.object("cluster_manager");
            if (cm == null) {
                return List.of();
            }
            tls(cm, "tls_context");
            ignored(cm, "cluster_pool_enable", "no effect on L4 connections");
            JsonArray array = cm.array("clusters");
            List<JsonNode> nodes = new ArrayList<>();
            if (array != null) {
                for (int i = 0; i < array.size(); i++) {
                    JsonNode n = element(array.get(i), cm.fieldPath("clusters") + "[" + i + "]");
                    nodes.add(n);
                }
            }
            List<String> files = new ArrayList<>();
            JsonElement configsDir = cm.get("clusters_configs");
            if (!JsonNode.isEmpty(configsDir)) {
                String dir = cm.string("clusters_configs", "");
                if (!dir.isEmpty()) {
                    if (array != null && !array.isEmpty()) {
                        problem(ConfigException.at(cm.fieldPath("clusters_configs"), dir,
                                "absent when cluster_manager.clusters is given; MOSN allows only one of them"));
                    } else {
                        readClusterFiles(cm.fieldPath("clusters_configs"), dir, nodes, files);
                    }
                }
            } else {
                cm.raw("clusters_configs");
            }
            List<ClusterConfig> clusters = new ArrayList<>();
            JsonArray effectiveClusters = new JsonArray();
            Map<String, String> names = new HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                JsonNode n = nodes.get(i);
                if (n == null) {
                    continue;
                }
                String file = i < (array == null ? 0 : array.size()) ? null : files.get(i - (array == null ? 0 : array.size()));
                ClusterConfig c = cluster(n, i, file);
                if (c == null) {
                    continue;
                }
                String earlier = names.putIfAbsent(c.name(), c.path());
                if (earlier != null) {
                    problem(ConfigException.at(c.path() + ".name", c.name(),
                            "a unique cluster name; " + earlier + " has it too"));
                    continue;
                }
                clusters.add(c);
                effectiveClusters.add(n.json().deepCopy());
            }
            if (!files.isEmpty()) {
                // MOSN's effective config lists the clusters of the files like inline ones
                for (Map.Entry<String, JsonElement> e : effective.entrySet()) {
                    if (e.getKey().equalsIgnoreCase("cluster_manager") && e.getValue().isJsonObject()) {
                        e.getValue().getAsJsonObject().add("clusters", effectiveClusters);
                    }
                }
            }
            unknown(cm);
            return clusters;
        }

        /**
         * MOSN's {@code clusters_configs}: every file of the directory whose name ends in {@code .json}, in name
         * order, holds one cluster object; empty files and other names are skipped; the directory is not walked
         * recursively. A relative directory is taken from the working directory, as MOSN does.
         */
        private void readClusterFiles(String path, String dir, List<JsonNode> nodes, List<String> files) {
            Path d = baseDir == null ? Path.of(dir) : baseDir.resolve(dir);
            List<Path> entries;
            try (java.util.stream.Stream<Path> s = Files.list(d)) {
                entries = s.sorted().toList();
            } catch (IOException e) {
                problem(ConfigException.at(path, dir, "a readable directory of cluster files (" + d + ": "
                        + (e instanceof NoSuchFileException ? "no such directory" : e.toString()) + ")"));
                return;
            }
            for (Path f : entries) {
                String fileName = f.getFileName().toString();
                if (!fileName.endsWith(".json") || Files.isDirectory(f)) {
                    continue;
                }
                String text;
                try {
                    byte[] bytes = Files.readAllBytes(f);
                    if (bytes.length == 0) {
                        continue;
                    }
                    text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
                } catch (IOException e) {
                    problem(new ConfigException(f + ": cannot read: " + e + " (expected: a readable cluster file)"));
                    continue;
                }
                String where = "cluster_manager.clusters_configs[\"" + fileName + "\"]";
                try {
                    JsonElement tree = parseTree(text, f.toString());
                    if (!tree.isJsonObject()) {
                        problem(ConfigException.at(where, JsonNode.render(tree), "one cluster object"));
                        continue;
                    }
                    nodes.add(new JsonNode(tree.getAsJsonObject(), where, problems));
                    files.add(fileName);
                } catch (ConfigException e) {
                    problem(e);
                }
            }
        }

        /** The cluster, or null when it has no usable name (its problems are recorded). */
        private ClusterConfig cluster(JsonNode c, int index, String file) throws ConfigException {
            String name = c.string("name", "");
            if (name.isEmpty()) {
                problem(ConfigException.at(c.fieldPath("name"), c.has("name") ? name : null, "a cluster name"));
            }
            String type = c.string("type", "SIMPLE");
            if (!type.equals("SIMPLE") && !type.equals("STRICT_DNS") && !type.equals("ORIGINAL_DST")) {
                if (!type.isEmpty()) {
                    warnings.add(c.fieldPath("type") + ": \"" + type + "\" is treated as SIMPLE, as MOSN does");
                }
                type = "SIMPLE";
            }
            LbType lb = lbType(c);
            if (type.equals("ORIGINAL_DST")) {
                lb = LbType.LB_ORIGINAL_DST; // as MOSN forces it
            }
            List<HostConfig> hosts = new ArrayList<>();
            JsonArray hostsJson = c.array("hosts");
            if (hostsJson != null) {
                for (int i = 0; i < hostsJson.size(); i++) {
                    JsonNode hn = element(hostsJson.get(i), c.fieldPath("hosts") + "[" + i + "]");
                    HostConfig h = hn == null ? null : host(hn);
                    if (h != null) {
                        hosts.add(h);
                    }
                }
            }
            if (type.equals("ORIGINAL_DST")) {
                if (!hosts.isEmpty()) {
                    warnings.add(c.fieldPath("hosts") + ": accepted, ignored (an ORIGINAL_DST cluster connects to each"
                            + " connection's original destination)");
                    hosts.clear();
                }
            } else if (hosts.isEmpty() && (hostsJson == null || hostsJson.isEmpty())) {
                warnings.add(c.fieldPath("hosts") + ": no hosts; connections routed to cluster \"" + name
                        + "\" will be closed");
            }
            Duration connectTimeout = c.duration("connect_timeout", DEFAULT_CONNECT_TIMEOUT);
            Duration idleTimeout = c.duration("idle_timeout", Duration.ZERO);
            int maxConnections = 0;
            JsonArray breakers = c.array("circuit_breakers");
            if (breakers != null && !breakers.isEmpty()) {
                JsonNode first = element(breakers.get(0), c.fieldPath("circuit_breakers") + "[0]");
                if (first != null) {
                    maxConnections = (int) first.integer("max_connections", 0, 0, Integer.MAX_VALUE);
                    for (String key : List.of("max_pending_requests", "max_requests", "max_retries")) {
                        ignored(first, key, "L7 only");
                    }
                    unknown(first);
                }
                if (breakers.size() > 1) {
                    warnings.add(c.fieldPath("circuit_breakers") + "[1..]: accepted, ignored (MOSN uses only the"
                            + " first element)");
                }
            }
            tls(c, "tls_context");
            HealthCheckConfig healthCheck = healthCheck(c);
            int choiceCount = 2;
            double bias = 1.0;
            JsonNode lbconfig = c.object("lbconfig");
            if (lbconfig != null) {
                choiceCount = (int) lbconfig.integer("choice_count", 2, 1, 1024);
                JsonElement b = lbconfig.get("active_request_bias");
                if (b != null) {
                    if (!b.isJsonPrimitive() || !b.getAsJsonPrimitive().isNumber() || b.getAsDouble() < 0
                            || b.getAsDouble() > 100) {
                        problem(ConfigException.at(lbconfig.fieldPath("active_request_bias"), JsonNode.render(b),
                                "a number from 0 to 100"));
                    } else {
                        bias = b.getAsDouble();
                    }
                }
                ignored(lbconfig, "client_error_bias", "L7 response errors; TCP connections have none");
                ignored(lbconfig, "server_error_bias", "L7 response errors; TCP connections have none");
                unknown(lbconfig);
            }
            Duration dnsRefresh = c.duration("dns_refresh_rate", ClusterConfig.DEFAULT_DNS_REFRESH_RATE);
            if (dnsRefresh.isZero()) {
                dnsRefresh = ClusterConfig.DEFAULT_DNS_REFRESH_RATE; // MOSN: 0 means the default
            }
            String family = c.string("dns_lookup_family", "");
            if (!family.isEmpty() && !family.equals("V4_ONLY") && !family.equals("V6_ONLY")) {
                problem(ConfigException.at(c.fieldPath("dns_lookup_family"), family, "V4_ONLY, V6_ONLY or absent"));
                family = "";
            }
            if (!type.equals("STRICT_DNS")) {
                for (String key : List.of("dns_refresh_rate", "dns_lookup_family")) {
                    ignored(c, key, "only a STRICT_DNS cluster resolves its hosts again");
                }
            }
            long mark = c.integer("mark", 0, 0, 4_294_967_295L);
            boolean replaceLocal = false;
            JsonNode odl = c.object("original_dst_lb_config");
            if (odl != null) {
                replaceLocal = odl.bool("replace_local", false);
                ignored(odl, "use_header", "the destination comes from an HTTP header in MOSN's L7 proxy only");
                ignored(odl, "header_name", "the destination comes from an HTTP header in MOSN's L7 proxy only");
                unknown(odl);
                if (!type.equals("ORIGINAL_DST") && replaceLocal) {
                    warnings.add(odl.fieldPath("replace_local") + ": accepted, ignored (only ORIGINAL_DST clusters"
                            + " use it)");
                }
            }
            ignored(c, "max_request_per_conn", "L7 pools only");
            ignored(c, "conn_buffer_limit_bytes", "not enforced by MOSN either");
            ignored(c, "respect_dns_ttl", "the JVM's resolver does not report TTLs; hosts are resolved again every"
                    + " dns_refresh_rate");
            ignored(c, "dns_resolvers", "Ferry resolves with the system's resolver (/etc/hosts, resolv.conf)");
            ignored(c, "dns_resolver_file", "Ferry resolves with the system's resolver (/etc/hosts, resolv.conf)");
            ignored(c, "dns_resolver_port", "Ferry resolves with the system's resolver (/etc/hosts, resolv.conf)");
            ignored(c, "keepalive", "MOSN's keepalive sends L7 heartbeats");
            ignored(c, "metadata", "subset load balancing is L7 (route metadata) in MOSN");
            ignored(c, "lb_subset_config", "subset load balancing is L7 (route metadata) in MOSN");
            ignored(c, "slow_start", "it changes only weighted picks of hosts that passed a health check recently;"
                    + " not implemented by Ferry");
            ignored(c, "spec", "service subscription needs a registry Ferry does not have");
            ignored(c, "cluster_pool_enable", "no effect on L4 connections");
            ignored(c, "cluster_manager_tls", "TLS is off");
            ignored(c, "sub_type", "not used by MOSN either");
            unknown(c);
            if (name.isEmpty()) {
                return null;
            }
            return new ClusterConfig(index, name, type, lb, hosts, connectTimeout, idleTimeout, maxConnections,
                    healthCheck, choiceCount, bias, dnsRefresh, family, mark, replaceLocal, file);
        }

        /** {@code health_check}: enabled only with a {@code service_name}, as in MOSN; MOSN's defaults. */
        private HealthCheckConfig healthCheck(JsonNode c) throws ConfigException {
            JsonNode h = c.object("health_check");
            if (h == null) {
                return null;
            }
            String service = h.string("service_name", "");
            String protocol = h.string("protocol", "");
            Duration timeout = positive(h, "timeout", HealthCheckConfig.DEFAULT_TIMEOUT);
            Duration interval = positive(h, "interval", HealthCheckConfig.DEFAULT_INTERVAL);
            Duration jitter = positive(h, "interval_jitter", HealthCheckConfig.DEFAULT_INTERVAL_JITTER);
            Duration initial = positive(h, "initial_delay_seconds", HealthCheckConfig.DEFAULT_INITIAL_DELAY);
            int healthy = (int) h.integer("healthy_threshold", 1, 0, Integer.MAX_VALUE);
            int unhealthy = (int) h.integer("unhealthy_threshold", 1, 0, Integer.MAX_VALUE);
            String log = h.string("event_log_path", "");
            ignored(h, "check_config", "session settings of L7 checks; Ferry checks by TCP dial");
            ignored(h, "common_callbacks", "callbacks registered in Go code");
            unknown(h);
            if (service.isEmpty()) {
                warnings.add(c.fieldPath("health_check") + ": no service_name, so no health check, as in MOSN (set"
                        + " \"service_name\" to enable it)");
                return null;
            }
            if (!protocol.isEmpty()) {
                warnings.add(h.fieldPath("protocol") + ": \"" + protocol + "\" is checked by a TCP dial (MOSN does"
                        + " the same for every protocol without a registered checker; its Http1 check is L7)");
            }
            return new HealthCheckConfig(service, protocol, timeout, interval, jitter, initial,
                    healthy == 0 ? 1 : healthy, unhealthy == 0 ? 1 : unhealthy, log);
        }

        /** A duration where 0 (or absent) means {@code dflt}, as MOSN's health checker reads it. */
        private static Duration positive(JsonNode n, String field, Duration dflt) throws ConfigException {
            Duration d = n.duration(field, dflt);
            return d.isZero() ? dflt : d;
        }

        private LbType lbType(JsonNode c) throws ConfigException {
            String lb = c.string("lb_type", "");
            if (lb.isEmpty()) {
                return LbType.LB_ROUNDROBIN;
            }
            for (LbType t : LbType.values()) {
                if (t.name().equals(lb)) {
                    return t;
                }
            }
            warnings.add(c.fieldPath("lb_type") + ": \"" + lb + "\" is unknown; using LB_ROUNDROBIN, as MOSN does");
            return LbType.LB_ROUNDROBIN;
        }

        private HostConfig host(JsonNode h) throws ConfigException {
            String address = h.string("address", "");
            if (address.isEmpty()) {
                problem(ConfigException.at(h.fieldPath("address"), h.has("address") ? address : null,
                        "\"ip:port\", \"hostname:port\" or \"unix:/path\""));
            }
            long weight = h.integer("weight", 1, 0, 4_294_967_295L);
            int clamped = (int) Math.max(1, Math.min(128, weight));
            ignored(h, "hostname", "not used for L4 connections");
            ignored(h, "metadata", "subset load balancing is L7 (route metadata) in MOSN");
            ignored(h, "tls_disable", "TLS is off");
            unknown(h);
            return address.isEmpty() ? null : new HostConfig(address, clamped);
        }

        // ---- admin ---------------------------------------------------------------------------------------------

        private Optional<AdminConfig> admin(JsonNode root) throws ConfigException {
            JsonNode admin = root.object("admin");
            if (admin == null) {
                return Optional.empty();
            }
            JsonNode address = admin.object("address");
            JsonNode socket = address == null ? null : address.object("socket_address");
            if (socket == null) {
                problem(ConfigException.at(admin.path() + ".address.socket_address", null,
                        "{\"address\": \"127.0.0.1\", \"port_value\": 34901}"));
                return Optional.empty();
            }
            String host = socket.string("address", "");
            int port = (int) socket.integer("port_value", 0, 0, 65535);
            if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
                warnings.add(socket.fieldPath("address") + ": the admin API listens on all interfaces; 127.0.0.1 is"
                        + " recommended");
            }
            unknown(socket);
            unknown(address);
            unknown(admin);
            return Optional.of(new AdminConfig(host, port));
        }

        // ---- metrics -------------------------------------------------------------------------------------------

        /** {@code metrics.sinks[]}: prometheus sinks are served, other types are ignored with a warning. */
        private List<PrometheusSinkConfig> metrics(JsonNode root) throws ConfigException {
            JsonNode metrics = root.object("metrics");
            if (metrics == null) {
                return List.of();
            }
            List<PrometheusSinkConfig> out = new ArrayList<>();
            JsonArray sinks = metrics.array("sinks");
            Map<Integer, String> ports = new HashMap<>();
            if (sinks != null) {
                for (int i = 0; i < sinks.size(); i++) {
                    JsonNode sink = element(sinks.get(i), metrics.fieldPath("sinks") + "[" + i + "]");
                    if (sink == null) {
                        continue;
                    }
                    String type = sink.string("type", "");
                    if (!type.equals("prometheus")) {
                        sink.raw("config");
                        warnings.add(sink.path() + ": accepted, ignored (sink type \"" + type + "\" is not"
                                + " implemented by Ferry; prometheus is)");
                        continue;
                    }
                    PrometheusSinkConfig p = prometheus(sink);
                    if (p == null) {
                        continue;
                    }
                    String earlier = p.port() == 0 ? null : ports.putIfAbsent(p.port(), p.path());
                    if (earlier != null) {
                        problem(ConfigException.at(p.path() + ".config.port", p.port(),
                                "a port no other prometheus sink uses; " + earlier + " has it too"));
                        continue;
                    }
                    out.add(p);
                }
            }
            StatsMatcher matcher = statsMatcher(metrics);
            if (matcher != StatsMatcher.NONE) {
                out.replaceAll(p -> new PrometheusSinkConfig(p.path(), p.address(), p.port(), p.endpoint(),
                        p.percentiles(), p.collectProcess(), p.collectJvm(), matcher));
            }
            for (String key : List.of("shm_zone", "shm_size", "flush_interval", "lazy_flush", "sample_config")) {
                ignored(metrics, key, "no effect in Ferry");
            }
            unknown(metrics);
            return out;
        }

        /** {@code metrics.stats_matcher}: {@code reject_all}, {@code exclusion_labels}, {@code exclusion_keys}. */
        private StatsMatcher statsMatcher(JsonNode metrics) throws ConfigException {
            if (JsonNode.isEmpty(metrics.raw("stats_matcher"))) {
                return StatsMatcher.NONE;
            }
            JsonNode m = metrics.object("stats_matcher");
            if (m == null) {
                return StatsMatcher.NONE;
            }
            boolean rejectAll = m.bool("reject_all", false);
            List<String> labels = names(m, "exclusion_labels", "a label name, e.g. \"host\"");
            List<String> keys = names(m, "exclusion_keys", "a metric key, e.g. \"connection_destroy\"");
            unknown(m);
            if (!rejectAll && labels.isEmpty() && keys.isEmpty()) {
                return StatsMatcher.NONE;
            }
            return new StatsMatcher(rejectAll, labels, keys);
        }

        /** An array of non-empty strings at {@code node.key}; each other element is a problem naming its path. */
        private List<String> names(JsonNode node, String key, String expected) throws ConfigException {
            List<String> out = new ArrayList<>();
            JsonArray a = node.array(key);
            if (a == null) {
                return out;
            }
            for (int i = 0; i < a.size(); i++) {
                JsonElement e = a.get(i);
                if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()
                        || e.getAsString().isEmpty()) {
                    problem(ConfigException.at(node.fieldPath(key) + "[" + i + "]",
                            e == null ? null : JsonNode.render(e), expected));
                    continue;
                }
                out.add(e.getAsString());
            }
            return out;
        }

        private PrometheusSinkConfig prometheus(JsonNode sink) throws ConfigException {
            String path = sink.path();
            JsonNode c = sink.object("config");
            if (c == null) {
                problem(ConfigException.at(sink.fieldPath("config"), null,
                        "{\"port\": 34903, \"endpoint\": \"/metrics\"}, as in MOSN"));
                return null;
            }
            String exportUrl = c.string("export_url", "");
            if (!exportUrl.isEmpty()) {
                problem(ConfigException.at(c.fieldPath("export_url"), exportUrl,
                        "absent or empty; push-gateway mode is unsupported (by MOSN too), Ferry serves pull only"));
                return null;
            }
            if (!c.has("port")) {
                problem(ConfigException.at(c.fieldPath("port"), null, "the port to serve metrics on, e.g. 34903"));
                return null;
            }
            int port = (int) c.integer("port", 0, 0, 65535);
            String endpoint = c.string("endpoint", "");
            if (endpoint.isEmpty()) {
                endpoint = "/metrics";
            } else if (!endpoint.startsWith("/") || endpoint.contains("?") || endpoint.contains("#")) {
                problem(ConfigException.at(c.fieldPath("endpoint"), endpoint, "a path starting with /, e.g. /metrics"));
                return null;
            }
            String address = c.string("address", "");
            if (address.isEmpty() || address.equals("0.0.0.0") || address.equals("::")) {
                warnings.add(c.fieldPath("address") + ": the prometheus endpoint listens on all interfaces, as MOSN's"
                        + " does; set \"address\": \"127.0.0.1\" (a Ferry extension) to keep it local");
            }
            List<Integer> percentiles = new ArrayList<>();
            JsonArray ps = c.array("percentiles");
            if (ps != null) {
                for (int i = 0; i < ps.size(); i++) {
                    JsonElement e = ps.get(i);
                    String at = c.fieldPath("percentiles") + "[" + i + "]";
                    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()
                            || e.getAsDouble() != Math.rint(e.getAsDouble()) || e.getAsDouble() < 1
                            || e.getAsDouble() > 100) {
                        problem(ConfigException.at(at, e == null ? null : JsonNode.render(e),
                                "an integer from 1 to 100, e.g. 99"));
                        continue;
                    }
                    int p = e.getAsInt();
                    if (!percentiles.contains(p)) {
                        percentiles.add(p);
                    }
                }
            }
            boolean process = !c.bool("disable_collect_process", false);
            boolean jvm = !c.bool("disable_collect_go", false);
            unknown(c);
            unknown(sink);
            return new PrometheusSinkConfig(path, address, port, endpoint, percentiles, process, jvm);
        }

        // ---- helpers -------------------------------------------------------------------------------------------

        /** The object at {@code path}, or null (with a problem recorded) when it is not an object. */
        private JsonNode element(JsonElement e, String path) {
            if (e == null || !e.isJsonObject()) {
                problem(ConfigException.at(path, e == null || e.isJsonNull() ? null : JsonNode.render(e),
                        "a JSON object"));
                return null;
            }
            return new JsonNode(e.getAsJsonObject(), path, problems);
        }

        private void refuseIfPresent(JsonNode node, String key, String expected) {
            JsonElement v = node.get(key);
            if (!JsonNode.isEmpty(v)) {
                problem(ConfigException.at(node.fieldPath(key), JsonNode.render(v), expected));
            }
            node.raw(key); // an empty value is fine
        }

        private void ignored(JsonNode node, String key, String why) {
            JsonElement v = node.raw(key);
            if (!JsonNode.isEmpty(v)) {
                warnings.add(node.fieldPath(key) + ": accepted, ignored (" + why + ")");
            }
        }

        private void unknown(JsonNode node) {
            for (String key : node.unknownKeys()) {
                warnings.add(node.pathOf(key) + ": unknown key, ignored");
            }
        }
    }

    private static int parsePort(String text) {
        if (text.isEmpty() || text.length() > 5) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return -1;
            }
        }
        int port = Integer.parseInt(text);
        return port <= 65535 ? port : -1;
    }
}
