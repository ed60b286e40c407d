package io.ferry.filter.api.admin;

import io.ferry.filter.api.Stable;

import java.util.Objects;

/** An admin HTTP response. */
@Stable
public final class AdminResponse {

    private final int status;
    private final String contentType;
    private final String body;

    public AdminResponse(int status, String contentType, String body) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100-599)");
        }
        this.status = status;
        this.contentType = Objects.requireNonNull(contentType, "contentType");
        this.body = body == null ? "" : body;
    }

    /** A response with a JSON body. */
    public static AdminResponse json(int status, String json) {
        return new AdminResponse(status, "application/json; charset=utf-8", json);
    }

    /** A plain-text response. */
    public static AdminResponse text(int status, String text) {
        return new AdminResponse(status, "text/plain; charset=utf-8", text);
    }

    /** An error as JSON, {@code {"error": "<message>"}}, as MOSN's admin API answers errors. */
    public static AdminResponse error(int status, String message) {
        StringBuilder sb = new StringBuilder("{\"error\": \"");
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return json(status, sb.append("\"}").toString());
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public String body() {
        return body;
    }
}
