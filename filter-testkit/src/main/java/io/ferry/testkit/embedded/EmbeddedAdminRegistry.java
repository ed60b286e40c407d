package io.ferry.testkit.embedded;

import io.ferry.filter.api.admin.AdminHandler;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.admin.AdminRequest;
import io.ferry.filter.api.admin.AdminResponse;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory {@link AdminRegistry} you can call without a socket:
 * {@code admin.call("GET", "/api/v1/tcpcopy/strategy", "listener=a", null)}. It applies the same rules as the proxy's
 * admin server: paths start with {@code /api/v1/}, a method and path is registered once, an unknown path answers 404,
 * a handler that throws answers 500 with the exception's message.
 */
public final class EmbeddedAdminRegistry implements AdminRegistry {

    private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DELETE");

    private final Map<String, AdminHandler> handlers = new ConcurrentHashMap<>();

    @Override
    public void register(String method, String path, AdminHandler handler) {
        Objects.requireNonNull(handler, "handler");
        String key = key(method, path);
        if (handlers.putIfAbsent(key, handler) != null) {
            throw new IllegalStateException("Admin endpoint " + key + " is already registered");
        }
    }

    /**
     * Calls the endpoint registered for {@code method} and {@code path}.
     *
     * @param query the query string without {@code ?} ({@code "a=1&b=x%20y"}), or {@code null}
     * @param body  the request body, or {@code null}
     */
    public AdminResponse call(String method, String path, String query, String body) {
        String key = key(method, path);
        AdminHandler handler = handlers.get(key);
        if (handler == null) {
            return AdminResponse.error(404, "no admin endpoint " + key);
        }
        AdminRequest request = new AdminRequest(method.toUpperCase(Locale.ROOT), path, parseQuery(query), body);
        try {
            return handler.handle(request);
        } catch (Exception e) {
            return AdminResponse.error(500, String.valueOf(e.getMessage()));
        }
    }

    /** {@code "GET /api/v1/..."} for every registered endpoint, sorted. */
    public Set<String> endpoints() {
        return new TreeSet<>(handlers.keySet());
    }

    private static String key(String method, String path) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        String m = method.toUpperCase(Locale.ROOT);
        if (!METHODS.contains(m)) {
            throw new IllegalArgumentException("method: \"" + method + "\" (expected: GET, PUT, POST or DELETE)");
        }
        if (!path.startsWith("/api/v1/") || path.contains("?")) {
            throw new IllegalArgumentException("path: \"" + path + "\" (expected: /api/v1/<filter>/..., without a "
                    + "query string)");
        }
        return m + " " + path;
    }

    static Map<String, List<String>> parseQuery(String query) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return out;
        }
        for (String part : query.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }
}
