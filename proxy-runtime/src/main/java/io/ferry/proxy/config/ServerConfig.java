package io.ferry.proxy.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code servers[0]}.
 *
 * @param name            {@code mosn_server_name}, or {@code ""}
 * @param defaultLogPath  {@code default_log_path}: {@code "stdout"}, {@code "stderr"} or a file path; {@code null}
 *                        when not set (the CLI then logs to stderr)
 * @param defaultLogLevel {@code default_log_level}, one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL; INFO otherwise
 * @param gracefulTimeout {@code graceful_timeout}, default 30 s: how long SIGTERM waits for connections to drain
 * @param listeners       {@code listeners[]}, in file order
 */
public record ServerConfig(String name, String defaultLogPath, String defaultLogLevel, Duration gracefulTimeout,
                           List<ListenerConfig> listeners) {

    public ServerConfig {
        listeners = List.copyOf(listeners);
    }
}
