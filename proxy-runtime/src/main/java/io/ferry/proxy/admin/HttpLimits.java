package io.ferry.proxy.admin;

import java.time.Duration;

/**
 * What a client of Ferry's HTTP servers (the admin API, the Prometheus endpoint) may take from them, so that slow or
 * half-sent requests cannot starve the others. The defaults can be changed with system properties.
 *
 * @param headerTimeout  how long a connection may take to send a request's line and headers, counted from the
 *                       connection's accept or from the end of its previous response (so it also bounds an idle
 *                       keep-alive connection); then it gets {@code 408} and is closed. Property
 *                       {@code ferry.admin.header_timeout_ms}, default 10 s
 * @param bodyTimeout    how long a request's body may take after its headers; then {@code 408} and close. Property
 *                       {@code ferry.admin.body_timeout_ms}, default 30 s
 * @param maxConnections connections open at once; one more gets {@code 503} and is closed at once. Property
 *                       {@code ferry.admin.max_connections}, default 64
 */
public record HttpLimits(Duration headerTimeout, Duration bodyTimeout, int maxConnections) {

    public HttpLimits {
        if (headerTimeout == null || headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("headerTimeout: " + headerTimeout + " (expected: a positive duration)");
        }
        if (bodyTimeout == null || bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("bodyTimeout: " + bodyTimeout + " (expected: a positive duration)");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: 1 or more)");
        }
    }

    /** 10 s for headers, 30 s for a body, 64 connections, unless the system properties say otherwise. */
    public static HttpLimits defaults() {
        return new HttpLimits(Duration.ofMillis(Long.getLong("ferry.admin.header_timeout_ms", 10_000)),
                Duration.ofMillis(Long.getLong("ferry.admin.body_timeout_ms", 30_000)),
                Integer.getInteger("ferry.admin.max_connections", 64));
    }
}
