package io.ferry.proxy.config;

import com.google.gson.JsonObject;

/**
 * One {@code filter_chains[0].filters[i]} entry.
 *
 * @param type   {@code type}, as written
 * @param config {@code config}, an empty object when absent
 * @param path   the JSON path of the entry, e.g. {@code servers[0].listeners[0].filter_chains[0].filters[1]}
 */
public record FilterEntry(String type, JsonObject config, String path) {
}
