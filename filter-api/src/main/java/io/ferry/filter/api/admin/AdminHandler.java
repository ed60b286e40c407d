package io.ferry.filter.api.admin;

import io.ferry.filter.api.Stable;

/**
 * Answers one admin endpoint. An exception thrown here becomes a 500 response with the exception's message; a bad
 * request should return {@link AdminResponse#error(int, String)} with status 400 instead.
 */
@Stable
@FunctionalInterface
public interface AdminHandler {

    AdminResponse handle(AdminRequest request) throws Exception;
}
