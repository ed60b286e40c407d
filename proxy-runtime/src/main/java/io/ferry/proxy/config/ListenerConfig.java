package io.ferry.proxy.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code servers[0].listeners[i]}.
 *
 * @param index                 {@code i}, for JSON paths in messages
 * @param name                  {@code name}, defaulting to the address string as MOSN does
 * @param network               {@code "tcp"} or {@code "unix"}
 * @param address               {@code address} as written: {@code "host:port"}, or a socket path for unix
 * @param host                  for tcp, the host part of the address (an IPv6 address without its brackets;
 *                              {@code "0.0.0.0"} for {@code ":port"}, which Go binds on all interfaces); {@code null}
 *                              for unix
 * @param port                  for tcp, the port (0 = ephemeral); -1 for unix
 * @param bindPort              {@code bind_port}: a listener with {@code false} never listens (MOSN); it still takes
 *                              connections handed over by a listener with {@code use_original_dst}
 * @param connectionIdleTimeout {@code connection_idle_timeout}, default 90 s; {@link Duration#ZERO} disables
 * @param filters               {@code filter_chains[0].filters[]}, in order
 * @param originalDst           {@code use_original_dst} with its {@code original_dst} listener filter, or null
 */
public record ListenerConfig(int index, String name, String network, String address, String host, int port,
                             boolean bindPort, Duration connectionIdleTimeout, List<FilterEntry> filters,
                             OriginalDstConfig originalDst) {

    public ListenerConfig {
        filters = List.copyOf(filters);
    }

    /** A listener without original-destination handling. */
    public ListenerConfig(int index, String name, String network, String address, String host, int port,
                          boolean bindPort, Duration connectionIdleTimeout, List<FilterEntry> filters) {
        this(index, name, network, address, host, port, bindPort, connectionIdleTimeout, filters, null);
    }

    /** The JSON path of this listener, e.g. {@code servers[0].listeners[1]}. */
    public String path() {
        return "servers[0].listeners[" + index + "]";
    }
}
