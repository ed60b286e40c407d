package io.ferry.filter.api.admin;

import io.ferry.filter.api.Stable;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** An admin HTTP request, fully read. */
@Stable
public final class AdminRequest {

    private final String method;
    private final String path;
    private final Map<String, List<String>> query;
    private final String body;

    public AdminRequest(String method, String path, Map<String, List<String>> query, String body) {
        this.method = Objects.requireNonNull(method, "method");
        this.path = Objects.requireNonNull(path, "path");
        this.query = Map.copyOf(Objects.requireNonNull(query, "query"));
        this.body = body == null ? "" : body;
    }

    /** The HTTP method, upper case. */
    public String method() {
        return method;
    }

    /** The path, without the query string. */
    public String path() {
        return path;
    }

    /** The decoded query parameters; a parameter given several times has several values. */
    public Map<String, List<String>> query() {
        return query;
    }

    /** The first value of query parameter {@code name}. */
    public Optional<String> queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The request body decoded as UTF-8; empty if there is none. */
    public String body() {
        return body;
    }
}
