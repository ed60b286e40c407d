package io.ferry.mirror;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.admin.AdminRequest;
import io.ferry.filter.api.admin.AdminResponse;
import io.ferry.filter.api.spi.FilterConfigException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What every {@code tcp_mirror} entry of one runtime shares (kept in the plugin scope): the listeners' factories by
 * name, the admin endpoints, and the verdict logs by file (two listeners naming one file share its writer).
 *
 * <table>
 *   <caption>Admin endpoints</caption>
 *   <tr><td>{@code GET /api/v1/tcp_mirror/report[?listener=NAME]}</td><td>per listener: its settings, counters,
 *       first-response latency percentiles of the primary and the shadows, and the latest verdicts</td></tr>
 *   <tr><td>{@code PUT /api/v1/tcp_mirror/settings[?listener=NAME]}</td><td>body {@code {"percent": 5}},
 *       {@code {"enabled": false}} or both; without {@code listener}, every listener. Connections already mirrored
 *       go on; the change applies to new connections. Answers with the report.</td></tr>
 * </table>
 * Errors: 400 with {@code {"error": "<path>: <value> (expected: ...)"}}, 404 for an unknown listener.
 *
 * <p>Thread-safe; the admin thread and the runtime's setup thread use it.
 */
final class MirrorHub implements AutoCloseable {

    static final String REPORT = "/api/v1/tcp_mirror/report";
    static final String SETTINGS = "/api/v1/tcp_mirror/settings";

    private final Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
    private final Map<String, MirrorFactory> listeners = new ConcurrentSkipListMap<>();
    private final Map<Path, VerdictLog> logs = new ConcurrentHashMap<>();

    void registerAdmin(AdminRegistry admin) {
        admin.register("GET", REPORT, this::report);
        admin.register("PUT", SETTINGS, this::settings);
    }

    void attach(String listener, MirrorFactory f) {
        listeners.put(listener, f);
    }

    void detach(String listener, MirrorFactory f) {
        listeners.remove(listener, f);
    }

    synchronized VerdictLog verdictLog(Path path) throws IOException {
        Path key = path.toAbsolutePath().normalize();
        VerdictLog log = logs.get(key);
        if (log == null) {
            log = new VerdictLog(key);
            logs.put(key, log);
        }
        return log;
    }

    private List<MirrorFactory> targets(AdminRequest r) {
        String name = r.queryParam("listener").orElse(null);
        if (name == null) {
            return new ArrayList<>(listeners.values());
        }
        MirrorFactory f = listeners.get(name);
        return f == null ? null : List.of(f);
    }

    private AdminResponse unknown(AdminRequest r) {
        return AdminResponse.error(404, FilterConfigException.format("listener", r.queryParam("listener").orElse(""),
                "a listener with a tcp_mirror filter, one of " + listeners.keySet()));
    }

    AdminResponse report(AdminRequest r) {
        List<MirrorFactory> fs = targets(r);
        if (fs == null) {
            return unknown(r);
        }
        return AdminResponse.json(200, gson.toJson(reportJson(fs)));
    }

    private static JsonObject reportJson(List<MirrorFactory> fs) {
        JsonObject ls = new JsonObject();
        for (MirrorFactory f : fs) {
            ls.add(f.listenerName(), f.reportJson());
        }
        JsonObject o = new JsonObject();
        o.add("listeners", ls);
        return o;
    }

    AdminResponse settings(AdminRequest r) {
        List<MirrorFactory> fs = targets(r);
        if (fs == null) {
            return unknown(r);
        }
        if (fs.isEmpty()) {
            return AdminResponse.error(409, "no listener has a tcp_mirror filter");
        }
        String expected = "a JSON object with percent (0 to 100) and/or enabled (true or false)";
        JsonObject body;
        try {
            JsonElement e = JsonParser.parseString(r.body());
            if (!e.isJsonObject() || e.getAsJsonObject().size() == 0) {
                return AdminResponse.error(400, FilterConfigException.format("settings", r.body(), expected));
            }
            body = e.getAsJsonObject();
        } catch (JsonParseException e) {
            return AdminResponse.error(400, FilterConfigException.format("settings", r.body(), expected));
        }
        Double percent = null;
        Boolean enabled = null;
        for (Map.Entry<String, JsonElement> e : body.entrySet()) {
            JsonElement v = e.getValue();
            switch (e.getKey()) {
                case "percent" -> {
                    if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber())
                            || !(v.getAsDouble() >= 0 && v.getAsDouble() <= 100)) {
                        return AdminResponse.error(400, FilterConfigException.format("settings.percent", v,
                                "a number from 0 to 100 (the share of connections mirrored, fractions allowed)"));
                    }
                    percent = v.getAsDouble();
                }
                case "enabled" -> {
                    if (!(v.isJsonPrimitive() && ((JsonPrimitive) v).isBoolean())) {
                        return AdminResponse.error(400, FilterConfigException.format("settings.enabled", v,
                                "true or false"));
                    }
                    enabled = v.getAsBoolean();
                }
                default -> {
                    return AdminResponse.error(400, FilterConfigException.format("settings." + e.getKey(), v,
                            "one of [enabled, percent]"));
                }
            }
        }
        for (MirrorFactory f : fs) {
            f.update(percent, enabled);
        }
        return AdminResponse.json(200, gson.toJson(reportJson(fs)));
    }

    /** Closes the verdict logs (the runtime closes the plugin scope when it stops). */
    @Override
    public synchronized void close() {
        for (VerdictLog log : logs.values()) {
            log.close();
        }
        logs.clear();
    }
}
