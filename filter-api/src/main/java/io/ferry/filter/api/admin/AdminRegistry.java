package io.ferry.filter.api.admin;

import io.ferry.filter.api.Stable;

/**
 * Where a filter adds endpoints to the admin API. MOSN: {@code admin.RegisterAdminHandleFunc}.
 *
 * <p>Paths must start with {@code /api/v1/} followed by the filter's own prefix (tcpcopy uses
 * {@code /api/v1/tcpcopy/}). Registering a method and path that is already taken throws
 * {@link IllegalStateException}, naming the path. Handlers run on the admin server's thread, never on an event
 * loop.
 */
@Stable
public interface AdminRegistry {

    /**
     * @param method  {@code "GET"}, {@code "PUT"}, {@code "POST"} or {@code "DELETE"}
     * @param path    the exact path, e.g. {@code "/api/v1/tcpcopy/strategy"}; the query string is not part of it
     * @param handler what answers it
     */
    void register(String method, String path, AdminHandler handler);
}
