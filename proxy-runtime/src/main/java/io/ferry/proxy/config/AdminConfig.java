package io.ferry.proxy.config;

/**
 * {@code admin.address.socket_address}.
 *
 * @param address {@code address}; MOSN listens on all interfaces when it is empty (the README recommends 127.0.0.1)
 * @param port    {@code port_value}; 0 = ephemeral
 */
public record AdminConfig(String address, int port) {
}
