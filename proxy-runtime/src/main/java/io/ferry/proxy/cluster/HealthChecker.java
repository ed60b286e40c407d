package io.ferry.proxy.cluster;

import com.google.gson.JsonObject;
import io.ferry.proxy.config.HealthCheckConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ConnectTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The active health check of one cluster, as MOSN's (pkg/upstream/healthcheck): every host is checked by a TCP
 * dial, first after {@code initial_delay_seconds} (default 1 s), then {@code interval} plus a random
 * {@code [0, interval_jitter)} after the previous check ended. A dial that connects within {@code timeout} is a
 * success (the connection is closed at once); a refused dial is an "active" failure, one that times out a "network"
 * failure. {@code unhealthy_threshold} failures in a row take a healthy host out of every load balancer;
 * {@code healthy_threshold} successes in a row bring it back. Hosts start healthy. With {@code event_log_path}, every
 * check appends MOSN's line {@code time:<unix s>,host:<address>,health_status:<0|1>,current_result:<0|1>,
 * status_changed:<0|1>}.
 *
 * <h2>Threads</h2>
 * Each host's checks run on one event loop of the runtime (a dial is non-blocking), so a host's counters need no
 * lock; the event log is written by one daemon thread. Hosts added by a DNS refresh are checked from then on,
 * removed ones are no longer checked.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    /** The handler of a check's channel, which is closed as soon as it connects. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Nothing extends ChannelInboundHandlerAdapter {
    }

    private static final Nothing NOTHING = new Nothing();

    private final String clusterName;
    private final HealthCheckConfig config;
    private final EventLoopGroup group;
    private final Bootstrap dial;
    private final Bootstrap unixDial;
    private final UpstreamChannels channels;
    private final ExecutorService eventLog;
    private final Map<Host, HostCheck> checks = new ConcurrentHashMap<>();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder successes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder activeFailures = new LongAdder();
    private final LongAdder networkFailures = new LongAdder();
    private volatile boolean closed;

    HealthChecker(String clusterName, HealthCheckConfig config, EventLoopGroup group, Bootstrap tcpTemplate,
                  Bootstrap unixTemplate, UpstreamChannels channels, ExecutorService eventLog) {
        this.clusterName = clusterName;
        this.config = config;
        this.group = group;
        int timeout = (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.timeout().toMillis()));
        this.dial = tcpTemplate.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
                .handler(NOTHING);
        this.unixDial = unixTemplate.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
                .handler(NOTHING);
        this.channels = channels;
        this.eventLog = eventLog;
    }

    public HealthCheckConfig config() {
        return config;
    }

    /** Starts checking the hosts of {@code hosts} that are not checked yet, and stops checking the others. */
    void hosts(Iterable<Host> hosts) {
        if (closed) {
            return;
        }
        java.util.Set<Host> now = new java.util.HashSet<>();
        for (Host h : hosts) {
            now.add(h);
            if (h.inetAddress() == null && h.unixPath() == null) {
                continue;
            }
            checks.computeIfAbsent(h, k -> {
                HostCheck c = new HostCheck(k, group.next());
                c.schedule(config.initialDelay().toNanos());
                LOG.info("[{}] health check: checking {} every {} ms (timeout {} ms)", clusterName, k.address(),
                        config.interval().toMillis(), config.timeout().toMillis());
                return c;
            });
        }
        checks.keySet().removeIf(h -> {
            if (!now.contains(h)) {
                checks.get(h).stopped = true;
                return true;
            }
            return false;
        });
    }

    /** {@code {"service_name", "attempts", "successes", "failures", "active_failures", "network_failures", "healthy_hosts"}}. */
    public JsonObject statsJson() {
        JsonObject o = new JsonObject();
        o.addProperty("service_name", config.serviceName());
        o.addProperty("attempts", attempts.sum());
        o.addProperty("successes", successes.sum());
        o.addProperty("failures", failures.sum());
        o.addProperty("active_failures", activeFailures.sum());
        o.addProperty("network_failures", networkFailures.sum());
        long healthy = 0;
        for (Host h : checks.keySet()) {
            if (h.isHealthy()) {
                healthy++;
            }
        }
        o.addProperty("healthy_hosts", healthy);
        return o;
    }

    @Override
    public void close() {
        closed = true;
        for (HostCheck c : checks.values()) {
            c.stopped = true;
        }
        checks.clear();
    }

    /** The checks of one host; every method runs on {@link #loop}. */
    private final class HostCheck {
        private final Host host;
        private final EventLoop loop;
        private int healthCount;
        private int unhealthyCount;
        volatile boolean stopped;

        HostCheck(Host host, EventLoop loop) {
            this.host = host;
            this.loop = loop;
        }

        void schedule(long delayNanos) {
            if (stopped || closed) {
                return;
            }
            try {
                loop.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                stopped = true; // the runtime is shutting down
            }
        }

        void check() {
            if (stopped || closed) {
                return;
            }
            attempts.increment();
            ChannelFuture f = host.unixPath() != null
                    ? unixDial.clone(loop).connect(channels.unixAddress(host.unixPath()))
                    : dial.clone(loop).connect(host.inetAddress());
            f.addListener((ChannelFuture done) -> {
                if (done.isSuccess()) {
                    done.channel().close();
                    onSuccess();
                } else {
                    Throwable cause = done.cause();
                    done.channel().close();
                    LOG.debug("[{}] health check of {} failed: {}", clusterName, host.address(), String.valueOf(cause));
                    onFailure(cause instanceof ConnectTimeoutException);
                }
                long jitter = config.intervalJitter().toNanos();
                long next = config.interval().toNanos() + (jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter) : 0);
                schedule(next);
            });
        }

        void onSuccess() {
            successes.increment();
            unhealthyCount = 0;
            boolean changed = false;
            if (!host.isHealthy()) {
                if (++healthCount >= config.healthyThreshold()) {
                    changed = true;
                    healthCount = 0;
                    host.healthy(true);
                    LOG.info("[{}] health check: host {} is healthy", clusterName, host.address());
                }
            }
            log(true, changed);
        }

        void onFailure(boolean timeout) {
            failures.increment();
            (timeout ? networkFailures : activeFailures).increment();
            healthCount = 0;
            boolean changed = false;
            if (host.isHealthy()) {
                if (++unhealthyCount >= config.unhealthyThreshold()) {
                    changed = true;
                    unhealthyCount = 0;
                    host.healthy(false);
                    LOG.warn("[{}] health check: host {} is unhealthy ({} failed checks in a row)", clusterName,
                            host.address(), config.unhealthyThreshold());
                }
            }
            log(false, changed);
        }

        void log(boolean result, boolean changed) {
            if (eventLog == null || config.eventLogPath().isEmpty()) {
                return;
            }
            String line = "time:" + System.currentTimeMillis() / 1000 + ",host:" + host.address() + ",health_status:"
                    + (host.isHealthy() ? 1 : 0) + ",current_result:" + (result ? 1 : 0) + ",status_changed:"
                    + (changed ? 1 : 0) + "\n";
            try {
                eventLog.execute(() -> append(Path.of(config.eventLogPath()), line));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }
    }

    private static void append(Path file, String line) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("health check event log {}: {}", file, e.toString());
        }
    }
}
