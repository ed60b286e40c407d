package io.ferry.proxy.it;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;
import io.ferry.filter.api.upstream.UpstreamCallbacks;
import io.ferry.filter.api.upstream.UpstreamConnection;
import io.ferry.filter.api.upstream.UpstreamFailure;
import io.ferry.filter.api.upstream.UpstreamRoute;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Filters written as a third party would write them, on {@code filter-api} alone (no import of the runtime), and
 * registered for the tests (see the test resources' META-INF/services).
 */
final class ThirdPartyFilters {

    /** What the filters observed, as "tag event" lines, for assertions. */
    static final List<String> LOG = new CopyOnWriteArrayList<>();

    private ThirdPartyFilters() {
    }

    private static long number(FilterConfig config, String key, long otherwise) {
        Object v = config.asMap().get(key);
        return v instanceof Double d ? d.longValue() : otherwise;
    }

    private abstract static class Provider implements NetworkFilterFactoryProvider {
        @Override
        public String apiVersion() {
            return FilterApi.VERSION;
        }
    }

    /**
     * {@code test.hold_new_connection}: holds every connection in {@code onNewConnection} for {@code delay_ms} (an
     * asynchronous check, say), with reading disabled meanwhile; then re-enables reading and continues. Logs
     * {@code "hold released <id>"}.
     */
    public static final class HoldNewConnectionProvider extends Provider {
        @Override
        public String type() {
            return "test.hold_new_connection";
        }

        @Override
        public NetworkFilterChainFactory create(FilterConfig config) {
            long delay = number(config, "delay_ms", 300);
            FilterScheduler scheduler = config.environment().scheduler();
            return (ctx, cb) -> cb.addReadFilter(new ReadFilter() {
                ReadFilterCallbacks callbacks;
                boolean released;

                @Override
                public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
                    this.callbacks = callbacks;
                }

                @Override
                public FilterStatus onNewConnection() {
                    callbacks.connection().setReadDisable(true);
                    scheduler.schedule(() -> callbacks.connection().execute(this::release), delay,
                            TimeUnit.MILLISECONDS);
                    return FilterStatus.STOP;
                }

                private void release() {
                    if (callbacks.connection().isClosed()) {
                        return;
                    }
                    released = true;
                    LOG.add("hold released " + callbacks.connection().id());
                    callbacks.connection().setReadDisable(false);
                    callbacks.continueReading();
                }

                @Override
                public FilterStatus onData(IoBuffer buffer) {
                    return released ? FilterStatus.CONTINUE : FilterStatus.STOP;
                }
            });
        }
    }

    /**
     * {@code test.hold_data}: holds the bytes in {@code onData} (returns {@code STOP} without draining) until at least
     * {@code min_bytes} arrived (or the client's FIN), then for {@code delay_ms} more (an asynchronous decision), then
     * continues from the timer thread. With {@code "before_dial": true} it returns {@code STOP} from
     * {@code onNewConnection} too, so the terminal filter is not reached (and does not dial) before the release. Logs
     * {@code "data released <id> <bytes held>"}.
     */
    public static final class HoldDataProvider extends Provider {
        @Override
        public String type() {
            return "test.hold_data";
        }

        @Override
        public NetworkFilterChainFactory create(FilterConfig config) {
            long minBytes = number(config, "min_bytes", 1);
            long delay = number(config, "delay_ms", 200);
            boolean beforeDial = Boolean.TRUE.equals(config.asMap().get("before_dial"));
            FilterScheduler scheduler = config.environment().scheduler();
            return (ctx, cb) -> cb.addReadFilter(new ReadFilter() {
                ReadFilterCallbacks callbacks;
                volatile boolean released;
                boolean deciding;

                @Override
                public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
                    this.callbacks = callbacks;
                }

                @Override
                public FilterStatus onNewConnection() {
                    return beforeDial ? FilterStatus.STOP : FilterStatus.CONTINUE;
                }

                @Override
                public FilterStatus onData(IoBuffer buffer) {
                    if (released) {
                        return FilterStatus.CONTINUE;
                    }
                    if (!deciding && (buffer.length() >= minBytes || buffer.isEof())) {
                        deciding = true;
                        int held = buffer.length();
                        scheduler.schedule(() -> {
                            released = true;
                            LOG.add("data released " + callbacks.connection().id() + " " + held);
                            callbacks.continueReading();   // from the timer thread: the runtime hops
                        }, delay, TimeUnit.MILLISECONDS);
                    }
                    return FilterStatus.STOP;
                }
            });
        }
    }

    /**
     * {@code test.route}: routes every connection for {@code tcp_proxy} through the filter state: {@code cluster}
     * (optional), {@code host} (optional), {@code hash} (optional, a number; {@code "port"} hashes the client's
     * port instead), set in {@code onNewConnection}.
     */
    public static final class RouteProvider extends Provider {
        @Override
        public String type() {
            return "test.route";
        }

        @Override
        public NetworkFilterChainFactory create(FilterConfig config) {
            Map<String, Object> m = config.asMap();
            String cluster = (String) m.get("cluster");
            String host = (String) m.get("host");
            Object hash = m.get("hash");
            return (ctx, cb) -> cb.addReadFilter(new ReadFilter() {
                ReadFilterCallbacks callbacks;

                @Override
                public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
                    this.callbacks = callbacks;
                }

                @Override
                public FilterStatus onNewConnection() {
                    UpstreamRoute r = cluster == null ? UpstreamRoute.configuredCluster()
                            : UpstreamRoute.toCluster(cluster);
                    if (host != null) {
                        r = r.withHost(host);
                    }
                    if (hash instanceof Double d) {
                        r = r.withHashKey(d.longValue());
                    } else if ("port".equals(hash)) {
                        r = r.withHashKey(((java.net.InetSocketAddress) callbacks.connection().remoteAddress())
                                .getPort());
                    }
                    callbacks.connection().filterState().set(UpstreamRoute.KEY, r);
                    return FilterStatus.CONTINUE;
                }

                @Override
                public FilterStatus onData(IoBuffer buffer) {
                    return FilterStatus.CONTINUE;
                }
            });
        }
    }

    /**
     * {@code test.upstream_probe}: a terminal filter that opens one upstream connection to {@code cluster} (with
     * {@code attempts}, optionally {@code host}) when reached and logs every callback as
     * {@code "probe <id> <event>"}; once connected it relays the client's bytes; the upstream's FIN is answered with a
     * FIN, and the client is closed when the upstream connection closes. With {@code "leave_open": true} it forgets to
     * close the upstream connection when the client goes away. With {@code "observe_keep": K} it sends the client's
     * bytes the way an observer such as a mirror does, with {@code writeCopy} as they arrive, and drains all but the
     * last {@code K} of them, which stay in the read buffer and come back, already sent, with the next read; the
     * client's FIN is passed on.
     */
    public static final class UpstreamProbeProvider extends Provider {
        @Override
        public String type() {
            return "test.upstream_probe";
        }

        @Override
        public NetworkFilterChainFactory create(FilterConfig config) {
            String cluster = (String) config.asMap().get("cluster");
            String host = (String) config.asMap().get("host");
            int attempts = (int) number(config, "attempts", 0);
            boolean leaveOpen = Boolean.TRUE.equals(config.asMap().get("leave_open"));
            long keep = number(config, "observe_keep", -1);
            return (ctx, cb) -> cb.addReadFilter(new ReadFilter() {
                ReadFilterCallbacks callbacks;
                UpstreamConnection upstream;
                long sentUpTo;

                @Override
                public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
                    this.callbacks = callbacks;
                    callbacks.connection().addConnectionEventListener(e -> {
                        LOG.add("downstream " + callbacks.connection().id() + " " + e);
                        if (e.isClose() && upstream != null && !leaveOpen) {
                            upstream.close(ConnectionCloseType.NO_FLUSH);
                        }
                    });
                }

                @Override
                public FilterStatus onNewConnection() {
                    long id = callbacks.connection().id();
                    UpstreamRoute route = UpstreamRoute.toCluster(cluster);
                    if (host != null) {
                        route = route.withHost(host);
                    }
                    upstream = callbacks.upstreams().connect(route, attempts, new UpstreamCallbacks() {
                        @Override
                        public void onEvent(ConnectionEvent event) {
                            LOG.add("probe " + id + " " + event + (event == ConnectionEvent.ON_CONNECT
                                    ? " " + upstream.host().address() : ""));
                            if (event == ConnectionEvent.REMOTE_HALF_CLOSE) {
                                upstream.closeWrite();
                            } else if (event.isClose()) {
                                callbacks.connection().close(ConnectionCloseType.FLUSH_WRITE,
                                        ConnectionEvent.LOCAL_CLOSE);
                            }
                        }

                        @Override
                        public void onData(IoBuffer buffer) {
                            callbacks.connection().writeFrom(buffer);
                        }

                        @Override
                        public void onConnectFailure(UpstreamFailure failure) {
                            LOG.add("probe " + id + " failure " + failure);
                            callbacks.connection().close(ConnectionCloseType.NO_FLUSH, ConnectionEvent.LOCAL_CLOSE);
                        }
                    });
                    LOG.add("probe " + id + " connect returned");
                    return FilterStatus.CONTINUE;
                }

                @Override
                public FilterStatus onData(IoBuffer buffer) {
                    if (keep < 0) {
                        upstream.writeFrom(buffer);
                        return FilterStatus.STOP;
                    }
                    long first = buffer.drainedCount();
                    int from = (int) (sentUpTo - first);
                    upstream.writeCopy(buffer, from, buffer.length() - from);
                    sentUpTo = first + buffer.length();
                    if (buffer.isEof()) {
                        buffer.drain(buffer.length());
                        upstream.closeWrite();
                    } else {
                        buffer.drain((int) Math.max(0, buffer.length() - keep));
                    }
                    return FilterStatus.STOP;
                }
            });
        }
    }

    /** {@code test.events}: logs every event of every connection as {@code "events <id> <event>"}; forwards bytes. */
    public static final class EventsProvider extends Provider {
        @Override
        public String type() {
            return "test.events";
        }

        @Override
        public NetworkFilterChainFactory create(FilterConfig config) {
            return (ctx, cb) -> cb.addReadFilter(new ReadFilter() {
                @Override
                public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
                    long id = callbacks.connection().id();
                    callbacks.connection().addConnectionEventListener(e -> LOG.add("events " + id + " " + e));
                }

                @Override
                public FilterStatus onData(IoBuffer buffer) {
                    return FilterStatus.CONTINUE;
                }
            });
        }
    }
}
