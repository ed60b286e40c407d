/**
 * The admin HTTP API (MOSN's {@code pkg/admin/server}): {@link io.ferry.proxy.admin.AdminServer} serves
 * {@code config_dump}, {@code stats}, {@code version} and the endpoints filters register, on its own threads.
 */
package io.ferry.proxy.admin;
