package io.ferry.tcpcopy;

import io.ferry.filter.api.ListenerInfo;
import io.ferry.filter.api.admin.AdminHandler;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.admin.AdminRequest;
import io.ferry.filter.api.admin.AdminResponse;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterEnvironment;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.filter.api.spi.StatsRegistry;
import io.ferry.tcpcopy.fuse.Usage;
import io.ferry.tcpcopy.fuse.UsageSampler;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Small in-memory versions of the runtime's services, until the test kit's embedded environment is used. */
final class Fakes {

    private Fakes() {
    }

    /** A scheduler whose time stands still until {@link #advance} is called; tasks run on the calling thread. */
    static final class ManualScheduler implements FilterScheduler {
        private final PriorityQueue<Task> tasks = new PriorityQueue<>();
        private long now = 1_700_000_000_000L;
        private long seq;

        private final class Task implements Comparable<Task>, Cancellable {
            final Runnable r;
            final long period;
            final long order = seq++;
            long due;
            boolean cancelled;

            Task(Runnable r, long due, long period) {
                this.r = r;
                this.due = due;
                this.period = period;
            }

            @Override
            public int compareTo(Task o) {
                return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
            }

            @Override
            public void cancel() {
                synchronized (ManualScheduler.this) {
                    cancelled = true;
                    tasks.remove(this);
                }
            }
        }

        @Override
        public synchronized long currentTimeMillis() {
            return now;
        }

        @Override
        public synchronized long nanoTime() {
            return now * 1_000_000L;
        }

        @Override
        public synchronized Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
            Task t = new Task(task, now + unit.toMillis(delay), 0);
            tasks.add(t);
            return t;
        }

        @Override
        public synchronized Cancellable scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
            Task t = new Task(task, now + unit.toMillis(initialDelay), unit.toMillis(period));
            tasks.add(t);
            return t;
        }

        /** Moves time forward by {@code millis}, running every task that falls due, in time order. */
        void advance(long millis) {
            long target;
            synchronized (this) {
                target = now + millis;
            }
            while (true) {
                Task t;
                synchronized (this) {
                    t = tasks.peek();
                    if (t == null || t.due > target) {
                        now = target;
                        return;
                    }
                    tasks.poll();
                    now = t.due;
                    if (t.period > 0) {
                        t.due += t.period;
                        tasks.add(t);
                    }
                }
                t.r.run();
            }
        }

        void advanceSeconds(long s) {
            advance(TimeUnit.SECONDS.toMillis(s));
        }
    }

    static final class Admin implements AdminRegistry {
        final Map<String, AdminHandler> handlers = new HashMap<>();

        @Override
        public void register(String method, String path, AdminHandler handler) {
            if (handlers.putIfAbsent(method + " " + path, handler) != null) {
                throw new IllegalStateException("already registered: " + method + " " + path);
            }
        }

        AdminResponse call(String method, String path, Map<String, String> query, String body) throws Exception {
            AdminHandler h = handlers.get(method + " " + path);
            if (h == null) {
                return AdminResponse.error(404, "no handler " + method + " " + path);
            }
            Map<String, List<String>> q = new HashMap<>();
            query.forEach((k, v) -> q.put(k, List.of(v)));
            return h.handle(new AdminRequest(method, path, q, body));
        }
    }

    static final class Stats implements StatsRegistry {
        final Map<String, Supplier<? extends Map<String, ? extends Number>>> sources = new ConcurrentHashMap<>();

        @Override
        public void register(String namespace, Supplier<? extends Map<String, ? extends Number>> counters) {
            sources.put(namespace, counters);
        }

        @Override
        public void unregister(String namespace) {
            sources.remove(namespace);
        }

        Map<String, ? extends Number> read(String namespace) {
            return sources.get(namespace).get();
        }
    }

    static final class Environment implements FilterEnvironment {
        final Admin admin = new Admin();
        final Stats stats = new Stats();
        final ManualScheduler scheduler = new ManualScheduler();

        @Override
        public AdminRegistry admin() {
            return admin;
        }

        @Override
        public StatsRegistry stats() {
            return stats;
        }

        @Override
        public FilterScheduler scheduler() {
            return scheduler;
        }

        @Override
        public <T> Optional<T> service(Class<T> type) {
            return Optional.empty();
        }
    }

    static FilterConfig config(Map<String, Object> map, FilterEnvironment env) {
        return new FilterConfig() {
            @Override
            public String type() {
                return "tcpcopy";
            }

            @Override
            public String path() {
                return "listeners[0].filter_chains[0].filters[0].config";
            }

            @Override
            public Map<String, Object> asMap() {
                return map;
            }

            @Override
            public String json() {
                return new com.google.gson.Gson().toJson(map);
            }

            @Override
            public FilterEnvironment environment() {
                return env;
            }
        };
    }

    static ListenerInfo tcpListener(String name, int port) {
        return new ListenerInfo() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String network() {
                return "tcp";
            }

            @Override
            public String address() {
                return "127.0.0.1:" + port;
            }

            @Override
            public SocketAddress socketAddress() {
                return new InetSocketAddress("127.0.0.1", port);
            }

            @Override
            public OptionalInt port() {
                return OptionalInt.of(port);
            }
        };
    }

    static ListenerInfo unixListener(String name, String path) {
        return new ListenerInfo() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String network() {
                return "unix";
            }

            @Override
            public String address() {
                return path;
            }

            @Override
            public SocketAddress socketAddress() {
                return UnixDomainSocketAddress.of(path);
            }

            @Override
            public OptionalInt port() {
                return OptionalInt.empty();
            }
        };
    }

    /** A sampler returning whatever the test sets. */
    static final class Readings implements UsageSampler {
        volatile double cpu = 10;
        volatile double mem = 10;
        volatile boolean fail;
        final List<Usage> taken = new ArrayList<>();

        @Override
        public Usage sample() {
            if (fail) {
                throw new IllegalStateException("no /proc");
            }
            Usage u = new Usage(cpu, mem, "test", "test");
            synchronized (taken) {
                taken.add(u);
            }
            return u;
        }
    }

    /** A strategy map as in a config file. */
    static Map<String, Object> strategy(String sw, double interval, double duration, double cpu, double mem) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("switch", sw);
        m.put("interval", interval);
        m.put("duration", duration);
        m.put("cpu_max_rate", cpu);
        m.put("mem_max_rate", mem);
        return m;
    }
}
