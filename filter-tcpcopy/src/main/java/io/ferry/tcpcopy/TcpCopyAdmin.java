package io.ferry.tcpcopy;

import com.google.gson.JsonParseException;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.admin.AdminRequest;
import io.ferry.filter.api.admin.AdminResponse;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.tcpcopy.config.Sampling;
import io.ferry.tcpcopy.config.Strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * tcpcopy's admin endpoints, registered through the runtime's {@link AdminRegistry} and answered on the admin thread.
 *
 * <table>
 *   <caption>endpoints</caption>
 *   <tr><td>{@code GET /api/v1/tcpcopy/strategy}</td><td>the global strategy, and per listener its app strategy,
 *       effective values, port and open window; plus the fuse's latest reading</td></tr>
 *   <tr><td>{@code PUT /api/v1/tcpcopy/strategy/global}</td><td>body: a strategy object (FORCE_OFF allowed)</td></tr>
 *   <tr><td>{@code PUT /api/v1/tcpcopy/strategy?listener=NAME}</td><td>body: a strategy object (ON or OFF)</td></tr>
 *   <tr><td>{@code PUT /api/v1/tcpcopy/sampling?listener=NAME}</td><td>body: {@code sample_percent} and/or
 *       {@code max_bytes_per_connection}; fields left out keep their values</td></tr>
 *   <tr><td>{@code POST /api/v1/tcpcopy/window?duration_s=N[&listener=NAME]}</td><td>opens a window now, on one
 *       listener or on every listener whose switch is on; 409 if the switch is off, 503 if the fuse is blown</td></tr>
 * </table>
 * Bodies are validated as the config is; an invalid one gets 400 with the message, e.g.
 * {@code {"error": "strategy.interval: 10 (expected: an integer from 30 to 3600 (seconds))"}}.
 */
final class TcpCopyAdmin {

    static final String STRATEGY = "/api/v1/tcpcopy/strategy";
    static final String GLOBAL = "/api/v1/tcpcopy/strategy/global";
    static final String WINDOW = "/api/v1/tcpcopy/window";
    static final String SAMPLING = "/api/v1/tcpcopy/sampling";

    private final TcpCopy hub;

    TcpCopyAdmin(TcpCopy hub) {
        this.hub = hub;
    }

    void register(AdminRegistry registry) {
        registry.register("GET", STRATEGY, r -> json(200, state()));
        registry.register("PUT", GLOBAL, this::putGlobal);
        registry.register("PUT", STRATEGY, this::putApp);
        registry.register("POST", WINDOW, this::postWindow);
        registry.register("PUT", SAMPLING, this::putSampling);
    }

    Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("global", hub.globalStrategy().toMap());
        Map<String, Object> ls = new LinkedHashMap<>();
        for (Map.Entry<String, TcpCopyFactory> e : hub.listeners().entrySet()) {
            TcpCopyFactory f = e.getValue();
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("port", f.portLabel());
            l.put("app", f.appStrategy().toMap());
            l.put("effective", f.effective().toMap());
            l.put("window", windowMap(f.currentWindow()));
            l.put("sampling", f.sampling().toMap());
            l.put("format", f.config().dump().format().spelling());
            l.put("dump_dir", f.config().dump().dir().toString());
            ls.put(e.getKey(), l);
        }
        m.put("listeners", ls);
        m.put("fuse", hub.fuseState());
        return m;
    }

    private static Map<String, Object> windowMap(Window w) {
        if (w == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("port", w.port());
        m.put("opened_at_ms", w.openedAtMillis());
        m.put("duration_s", w.durationSeconds());
        m.put("manual", w.manual());
        return m;
    }

    private AdminResponse putGlobal(AdminRequest r) {
        return putStrategy(r, "global", true, hub::updateGlobalStrategy);
    }

    /** Parses the body as a strategy (messages rooted at {@code root}), applies it and answers with the new state. */
    private AdminResponse putStrategy(AdminRequest r, String root, boolean global, Consumer<Strategy> apply) {
        try {
            apply.accept(Strategy.parse(body(r, root), f -> f.isEmpty() ? root : root + "." + f, global));
            return json(200, state());
        } catch (FilterConfigException e) {
            return AdminResponse.error(400, e.getMessage());
        }
    }

    private AdminResponse unknownListener(String name) {
        return AdminResponse.error(404, "listener: \"" + name + "\" (expected: a listener with a tcpcopy filter, one of "
                + hub.listeners().keySet() + ")");
    }

    private AdminResponse putApp(AdminRequest r) {
        String name = r.queryParam("listener").orElse(null);
        if (name == null || name.isEmpty()) {
            return AdminResponse.error(400, "listener: missing (expected: ?listener=<name>, one of " + hub.listeners().keySet() + ")");
        }
        TcpCopyFactory f = hub.listener(name).orElse(null);
        return f == null ? unknownListener(name) : putStrategy(r, "strategy", false, f::updateAppStrategy);
    }

    private AdminResponse putSampling(AdminRequest r) {
        String name = r.queryParam("listener").orElse(null);
        if (name == null || name.isEmpty()) {
            return AdminResponse.error(400, "listener: missing (expected: ?listener=<name>, one of " + hub.listeners().keySet() + ")");
        }
        TcpCopyFactory f = hub.listener(name).orElse(null);
        if (f == null) {
            return unknownListener(name);
        }
        try {
            Object o;
            try {
                o = hub.gson().fromJson(r.body(), Object.class);
            } catch (JsonParseException e) {
                o = null;
            }
            if (!(o instanceof Map<?, ?> m)) {
                throw new FilterConfigException("sampling", r.body(),
                        "a JSON object with sample_percent and/or max_bytes_per_connection");
            }
            for (Object k : m.keySet()) {
                if (!"sample_percent".equals(k) && !"max_bytes_per_connection".equals(k)) {
                    throw new FilterConfigException("sampling." + k, m.get(k),
                            "no such field; sampling accepts max_bytes_per_connection, sample_percent");
                }
            }
            Map<String, Object> merged = new LinkedHashMap<>(f.sampling().toMap());
            m.forEach((k, v) -> merged.put((String) k, v));
            f.updateSampling(Sampling.parse(merged, k -> "sampling." + k));
            return json(200, state());
        } catch (FilterConfigException e) {
            return AdminResponse.error(400, e.getMessage());
        }
    }

    private AdminResponse postWindow(AdminRequest r) {
        String d = r.queryParam("duration_s").orElse(null);
        int duration;
        try {
            duration = Integer.parseInt(d == null ? "" : d.trim());
        } catch (NumberFormatException e) {
            duration = -1;
        }
        if (duration < 1 || duration > Strategy.MAX_INTERVAL) {
            return AdminResponse.error(400, FilterConfigException.format("duration_s", d, "an integer from 1 to 3600 (seconds)"));
        }
        String name = r.queryParam("listener").orElse(null);
        List<TcpCopyFactory> targets = new ArrayList<>();
        if (name != null) {
            TcpCopyFactory f = hub.listener(name).orElse(null);
            if (f == null) {
                return unknownListener(name);
            }
            targets.add(f);
        } else {
            targets.addAll(hub.listeners().values());
        }
        if (targets.isEmpty()) {
            return AdminResponse.error(409, "no listener has a tcpcopy filter");
        }
        List<Object> opened = new ArrayList<>();
        Map<String, String> refused = new LinkedHashMap<>();
        int status = 409;
        for (TcpCopyFactory f : targets) {
            TcpCopyFactory.OpenResult res = f.open(duration, true);
            if (res.window() != null) {
                Map<String, Object> w = windowMap(res.window());
                w.put("listener", f.listenerName());
                opened.add(w);
            } else {
                refused.put(f.listenerName(), res.refusal());
                status = Math.max(status, res.status());
            }
        }
        if (opened.isEmpty()) {
            return AdminResponse.error(status, String.join("; ", refused.values()));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("opened", opened);
        m.put("refused", refused);
        return json(200, m);
    }

    private Object body(AdminRequest r, String path) throws FilterConfigException {
        try {
            Object o = hub.gson().fromJson(r.body(), Object.class);
            if (!(o instanceof Map)) {
                throw new FilterConfigException(path, r.body(), "a JSON object with switch, interval, duration, cpu_max_rate and mem_max_rate");
            }
            return o;
        } catch (JsonParseException e) {
            throw new FilterConfigException(path, r.body(), "a JSON object with switch, interval, duration, cpu_max_rate and mem_max_rate");
        }
    }

    private AdminResponse json(int status, Object body) {
        return AdminResponse.json(status, hub.gson().toJson(body));
    }
}
