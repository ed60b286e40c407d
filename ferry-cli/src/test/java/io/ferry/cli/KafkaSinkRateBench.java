package io.ferry.cli;

import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.kafka.KafkaBroker;
import io.ferry.dump.spi.DumpSinkProvider;
import io.ferry.filter.registry.Extension;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.dump.CaptureStats;
import io.ferry.tcpcopy.dump.DropReason;
import io.ferry.tcpcopy.dump.DumpWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The rate the Kafka sink sustains before drops begin, through the real path: {@link DumpWriter} (its bounded queue
 * and thread; dump files skipped with {@link DumpWriter#discarding}, so the disk is not measured) → the sink's own
 * queue and thread ({@code DumpSinks}) → the Kafka sink, loaded from the plugin directory as {@code ferry start}
 * loads it, with <b>default settings</b> (only
 * {@code bootstrap_servers} and {@code topic} given) → a single-node KRaft broker.
 *
 * <h2>Method</h2>
 * For each payload size, a driver thread offers DATA records (random, so incompressible: lz4 gains nothing) of that
 * size, spread over 64 connection ids, at a paced offered rate for {@code --step-seconds}; then it waits until the
 * writer, the sink queue and the producer are idle (every record acknowledged or dropped). A step is <em>clean</em>
 * when no drop counter moved: the writer's {@code queue_full}, the sink's {@code dropped_queue_full},
 * {@code dropped_buffer_full}, {@code dropped_send_failed}, {@code dropped_metadata_unavailable},
 * {@code dropped_sink_error}. The offered rate starts at {@code --start-rate} and grows by {@code --factor} while steps
 * are clean; after the first step with drops it bisects (geometric mean) {@code --refine} times between the last
 * clean and the first dropping rate. The result is the highest clean step: records acknowledged by the broker per
 * second of step + drain time (so a backlog drained after the step lowers the figure rather than inflating it), and
 * the same in MB/s (10^6 B/s) of captured payload and of Ferry record bytes sent. One warm-up step (not reported)
 * precedes each size.
 *
 * <pre>
 * java -cp ... io.ferry.dump.kafka.KafkaSinkRateBench [--bootstrap HOST:PORT --topic T] [--sizes 64,1024,16384]
 *      [--step-seconds 3] [--start-rate 2000] [--factor 1.5] [--refine 2] [--max-rate 2000000]
 * </pre>
 * Without {@code --bootstrap} it starts the broker in-process ({@link KafkaBroker}, topic with 4 partitions). The
 * sink comes from the plugin directory named by {@code -Dferry.plugins.dir} (default {@code ferry-cli/target/plugins}).
 * Prints one {@code STEP} line per step and one {@code RESULT} line per size.
 */
public final class KafkaSinkRateBench {

    private static final int CONNECTIONS = 64;
    private static final String WINDOW = "bench-window";
    private static final String LISTENER = "bench";

    private KafkaSinkRateBench() {
    }

    /** The sink providers of the plugin directory, by type, as the runtime offers them to tcpcopy. */
    static Map<String, DumpSinkProvider> sinkProviders() throws Exception {
        Path plugins = Path.of(System.getProperty(Main.PLUGINS_DIR_PROPERTY, "ferry-cli/target/plugins"));
        Map<String, DumpSinkProvider> m = new LinkedHashMap<>();
        for (Extension<DumpSinkProvider> e : FilterRegistry.builder().pluginsDir(plugins).build()
                .extensions(DumpSinkProvider.class)) {
            m.putIfAbsent(e.instance().type(), e.instance());
        }
        return m;
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = null;
        String topic = "ferry-rate";
        List<Integer> sizes = List.of(64, 1024, 16384);
        double stepSeconds = 3;
        double startRate = 2000;
        double factor = 1.5;
        int refine = 2;
        double maxRate = 2_000_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--topic" -> topic = args[++i];
                case "--sizes" -> sizes = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--step-seconds" -> stepSeconds = Double.parseDouble(args[++i]);
                case "--start-rate" -> startRate = Double.parseDouble(args[++i]);
                case "--factor" -> factor = Double.parseDouble(args[++i]);
                case "--refine" -> refine = Integer.parseInt(args[++i]);
                case "--max-rate" -> maxRate = Double.parseDouble(args[++i]);
                default -> {
                    System.err.println("unknown option " + args[i] + "; see the javadoc of " + KafkaSinkRateBench.class.getName());
                    System.exit(2);
                }
            }
        }
        KafkaBroker broker = null;
        if (bootstrap == null) {
            broker = KafkaBroker.start();
            broker.createTopic(topic, 4);
            bootstrap = broker.bootstrapServers();
        }
        System.out.printf(Locale.ROOT, "# kafka sink rate: bootstrap %s topic %s, default sink settings, %d connections,"
                        + " steps of %.1f s, start %.0f rec/s, x%.2f, %d refinements, %d CPUs%n", bootstrap, topic,
                CONNECTIONS, stepSeconds, startRate, factor, refine, Runtime.getRuntime().availableProcessors());
        try {
            for (int size : sizes) {
                new KafkaSinkRateBench.Run(bootstrap, topic, size).ramp(stepSeconds, startRate, factor, refine, maxRate);
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        System.exit(0);
    }

    /** One step's outcome. */
    record Step(double offered, double achievedOffered, double ackedPerSecond, double payloadMBps, double recordMBps,
                Map<String, Long> drops) {
        boolean clean() {
            return drops.isEmpty();
        }
    }

    /** The ramp for one payload size, on a writer and sink of its own. */
    static final class Run implements AutoCloseable {
        final int size;
        final DumpWriter writer;
        final CaptureStats stats = new CaptureStats();
        final byte[][] payloads = new byte[16][];
        final Path dir;
        long seq;

        Run(String bootstrap, String topic, int size) throws Exception {
            this.size = size;
            this.dir = Files.createTempDirectory("ferry-kafka-rate");
            Map<String, Object> sink = new LinkedHashMap<>();
            sink.put("type", "kafka");
            sink.put("bootstrap_servers", bootstrap);
            sink.put("topic", topic);
            sink.put("instance_id", "rate-" + size);
            Map<String, Object> dump = new LinkedHashMap<>();
            dump.put("dir", dir.toString());
            dump.put("format", "ferry");
            dump.put("max_bytes_per_second", 0);     // no capture budget: the sink is what is measured
            dump.put("sinks", List.of(sink));
            this.writer = DumpWriter.discarding(DumpConfig.parse(dump, k -> "dump." + k, sinkProviders()));
            Random rnd = new Random(size);
            for (int i = 0; i < payloads.length; i++) {
                payloads[i] = new byte[size];
                rnd.nextBytes(payloads[i]);
            }
        }

        void ramp(double stepSeconds, double startRate, double factor, int refine, double maxRate) throws Exception {
            try (this) {
                Step warm = step(startRate, stepSeconds);
                System.out.printf(Locale.ROOT, "WARMUP size=%d %s%n", size, describe(warm));
                Step good = null;
                double bad = Double.NaN;
                for (double rate = startRate; rate <= maxRate; rate *= factor) {
                    Step s = step(rate, stepSeconds);
                    System.out.printf(Locale.ROOT, "STEP size=%d %s%n", size, describe(s));
                    if (!s.clean()) {
                        bad = rate;
                        break;
                    }
                    if (s.achievedOffered < 0.9 * rate) {
                        System.out.printf(Locale.ROOT, "# size=%d: the driver could not offer %.0f rec/s%n", size, rate);
                        good = best(good, s);
                        break;
                    }
                    good = best(good, s);
                }
                for (int i = 0; i < refine && good != null && !Double.isNaN(bad); i++) {
                    double mid = Math.sqrt(good.offered * bad);
                    Step s = step(mid, stepSeconds);
                    System.out.printf(Locale.ROOT, "STEP size=%d %s (refine)%n", size, describe(s));
                    if (s.clean()) {
                        good = best(good, s);
                    } else {
                        bad = mid;
                    }
                }
                if (good == null) {
                    System.out.printf(Locale.ROOT, "RESULT size=%d drops already at %.0f rec/s%n", size, startRate);
                } else {
                    System.out.printf(Locale.ROOT, "RESULT size=%d records_per_s=%.0f payload_mb_s=%.2f record_mb_s=%.2f"
                                    + " offered=%.0f first_drops_at_offered=%s%n", size, good.ackedPerSecond,
                            good.payloadMBps, good.recordMBps, good.offered,
                            Double.isNaN(bad) ? "none" : String.format(Locale.ROOT, "%.0f", bad));
                }
            }
        }

        private static Step best(Step a, Step b) {
            return a == null || b.ackedPerSecond > a.ackedPerSecond ? b : a;
        }

        private static String describe(Step s) {
            return String.format(Locale.ROOT, "offered=%.0f achieved_offer=%.0f acked_per_s=%.0f payload_mb_s=%.2f"
                    + " record_mb_s=%.2f drops=%s", s.offered, s.achievedOffered, s.ackedPerSecond, s.payloadMBps,
                    s.recordMBps, s.drops);
        }

        Step step(double rate, double seconds) throws Exception {
            Map<String, Long> before = counters();
            long t0 = System.nanoTime();
            long duration = (long) (seconds * 1e9);
            long n = 0;
            long now;
            while ((now = System.nanoTime()) - t0 < duration) {
                long due = (long) (rate * (now - t0) / 1e9);
                if (n >= due) {
                    LockSupport.parkNanos(100_000);
                    continue;
                }
                for (int burst = 0; n < due && burst < 4096; burst++, n++) {
                    offer();
                }
            }
            double offeredFor = (System.nanoTime() - t0) / 1e9;
            awaitIdle();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            Map<String, Long> after = counters();
            Map<String, Long> drops = new LinkedHashMap<>();
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (e.getKey().contains("dropped") && d > 0) {
                    drops.put(e.getKey(), d);
                }
            }
            long acked = after.get("kafka.sent") - before.get("kafka.sent");
            long ackedBytes = after.get("kafka.sent_bytes") - before.get("kafka.sent_bytes");
            return new Step(rate, n / offeredFor, acked / elapsed, acked * (double) size / elapsed / 1e6,
                    ackedBytes / elapsed / 1e6, drops);
        }

        /** The benchmark's connections, opened on first use; a capture the writer gives up is opened again. */
        private final Owner[] owners = new Owner[(int) CONNECTIONS];

        private final class Owner implements io.ferry.tcpcopy.dump.CapturedConnection {
            final long id;
            long offset;
            volatile boolean over;

            Owner(long id) {
                this.id = id;
            }

            @Override
            public void requestAbandon(io.ferry.tcpcopy.dump.ShedReason reason) {
                over = true;
            }

            @Override
            public void abandonedByWriter(io.ferry.tcpcopy.dump.ShedReason reason) {
                over = true;
            }
        }

        private void offer() {
            long id = seq++;
            long micros = System.currentTimeMillis() * 1000;
            int c = (int) (id % CONNECTIONS);
            Owner o = owners[c];
            if (o == null || o.over) {
                o = owners[c] = new Owner(c);
                writer.submitControl(FerryRecord.open(micros, c, WINDOW, LISTENER,
                        io.ferry.dump.format.Endpoint.UNKNOWN_ENDPOINT, io.ferry.dump.format.Endpoint.UNKNOWN_ENDPOINT,
                        false, 0, -1), "2045", o, stats);
            }
            byte[] p = payloads[(int) (id & (payloads.length - 1))];
            if (writer.gate().reserve(p.length) != null || !writer.submitData(o, stats, micros, WINDOW, "2045",
                    LISTENER, c, FerryRecord.INBOUND, o.offset, io.ferry.filter.api.IoBuffer.wrap(p), 0, p.length)) {
                o.over = true;                 // given up (counted in stats); the next record opens it again
                return;
            }
            o.offset += p.length;
        }

        /** Writer idle, sink queue idle and nothing in flight in the producer (each acknowledged or dropped). */
        private void awaitIdle() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            writer.awaitIdle(60, TimeUnit.SECONDS);
            writer.sinks().awaitIdle(60, TimeUnit.SECONDS);
            while (counters().get("kafka.in_flight") > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }

        /** The sink's counters and the writer's drops, by name. */
        private Map<String, Long> counters() {
            Map<String, Long> m = new LinkedHashMap<>(writer.sinks().snapshot());
            for (DropReason r : DropReason.values()) {
                m.put("writer.dropped_" + r.key(), stats.dropped(r));
            }
            return m;
        }

        @Override
        public void close() throws Exception {
            writer.close();
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
