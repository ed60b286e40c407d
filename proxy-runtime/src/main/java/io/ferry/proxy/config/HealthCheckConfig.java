package io.ferry.proxy.config;

import java.time.Duration;

/**
 * A cluster's {@code health_check} (MOSN {@code v2.HealthCheck}), with MOSN's defaults applied
 * (pkg/upstream/healthcheck/healthchecker.go). As in MOSN it is enabled only when {@code service_name} is set.
 *
 * @param serviceName        {@code service_name}: names the checker's counters
 * @param protocol           {@code protocol}, as written; every protocol is checked by a TCP dial, as MOSN does for
 *                           any protocol without a registered session factory
 * @param timeout            {@code timeout}, default 1 s: a dial that has not connected by then fails
 * @param interval           {@code interval}, default 15 s, between the end of one check and the next
 * @param intervalJitter     {@code interval_jitter}, default 5 ms: a random extra delay in [0, jitter)
 * @param initialDelay       {@code initial_delay_seconds} (a duration), default 1 s: before the first check
 * @param healthyThreshold   {@code healthy_threshold}, default 1: consecutive successes that make an unhealthy host
 *                           healthy again
 * @param unhealthyThreshold {@code unhealthy_threshold}, default 1: consecutive failures that make a healthy host
 *                           unhealthy
 * @param eventLogPath       {@code event_log_path}, or {@code ""}: a file that gets one line per check, in MOSN's
 *                           format
 */
public record HealthCheckConfig(String serviceName, String protocol, Duration timeout, Duration interval,
                                Duration intervalJitter, Duration initialDelay, int healthyThreshold,
                                int unhealthyThreshold, String eventLogPath) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(15);
    public static final Duration DEFAULT_INTERVAL_JITTER = Duration.ofMillis(5);
    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofSeconds(1);
}
