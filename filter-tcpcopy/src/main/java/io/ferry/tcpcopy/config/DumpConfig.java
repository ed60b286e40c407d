package io.ferry.tcpcopy.config;

import io.ferry.filter.api.spi.FilterConfigException;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Ferry's additions under {@code "dump": {...}}. Every field is optional:
 *
 * <table>
 *   <caption>dump fields</caption>
 *   <tr><th>field</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code dir}</td><td>{@code ${user.home}/logs/mosn/dump}</td><td>where the dump files go;
 *       {@code ${user.home}} and a leading {@code ~/} are expanded</td></tr>
 *   <tr><td>{@code max_file_size}</td><td>67108864 (64 MiB)</td><td>a file is rotated before a line would take it
 *       past this size (bytes, at least 4096)</td></tr>
 *   <tr><td>{@code max_files}</td><td>10</td><td>rotated files kept per dump file ({@code .1} newest), 1 to 1000</td></tr>
 *   <tr><td>{@code max_total_size}</td><td>1073741824 (1 GiB)</td><td>cap on all dump files of the dir together;
 *       the oldest rotated files are deleted to stay below it, and when that is not enough the captures that need
 *       room are given up (reason {@code size_cap}); at least {@code max_file_size}</td></tr>
 *   <tr><td>{@code format}</td><td>{@code layotto}</td><td>{@code layotto} (Layotto's files only) or {@code ferry}
 *       (Layotto's files and, alongside them, per-connection records in {@code dump_tcp_copy.ferry}, see
 *       docs/dump-format.md), or {@code pcapng} (Layotto's files and, alongside them, a live pcapng capture in
 *       {@code dump_tcp_copy.pcapng})</td></tr>
 *   <tr><td>{@code directions}</td><td>{@code inbound}</td><td>{@code inbound} (Layotto: the bytes the client
 *       sends) or {@code both} (also the bytes written back to the client)</td></tr>
 *   <tr><td>{@code queue_capacity}</td><td>4096</td><td>records waiting for the writer, 1 to 1048576; a quarter
 *       is kept for the records that end captures</td></tr>
 *   <tr><td>{@code max_buffered_bytes}</td><td>33554432 (32 MiB)</td><td>bytes the records waiting for the
 *       writer may hold, at least 1 MiB: past half of it no new connection is admitted, past three quarters the
 *       newest captures are given up, and a record that does not fit ends its capture (reason
 *       {@code memory})</td></tr>
 *   <tr><td>{@code sample_percent}</td><td>100</td><td>the percentage of connections captured, decided once per
 *       connection: when it starts in a window, or at its first read or write in a window (tcpcopy's {@code -r}),
 *       0 to 100</td></tr>
 *   <tr><td>{@code max_bytes_per_connection}</td><td>0 (no limit)</td><td>bytes captured per connection, both
 *       directions together; what is beyond is not captured and the Ferry file gets a {@code TRUNCATED} record</td></tr>
 *   <tr><td>{@code max_bytes_per_second}</td><td>1048576 (1 MiB/s)</td><td>the capture budget of the dump dir's
 *       writer: captured traffic per second, in a bucket of four seconds' budget (at least 1 MiB) for bursts; below
 *       half a bucket no new connection is admitted, an empty bucket gives up the newest captures (reason
 *       {@code rate_limit}); {@code 0} is unlimited</td></tr>
 *   <tr><td>{@code sinks}</td><td>none</td><td>more destinations of the Ferry records, e.g.
 *       {@code [{"type": "kafka", ...}]}, each behind a bounded queue of its own
 *       ({@link io.ferry.tcpcopy.dump.sink.SinkSpec}, {@link io.ferry.tcpcopy.dump.sink.DumpSinks})</td></tr>
 * </table>
 */
public record DumpConfig(Path dir, long maxFileSize, int maxFiles, long maxTotalSize, Format format,
                         boolean bothDirections, int queueCapacity, Sampling sampling, long maxBytesPerSecond,
                         java.util.List<io.ferry.tcpcopy.dump.sink.SinkSpec> sinks, long maxBufferedBytes) {

    /** The config with the default {@code max_buffered_bytes}. */
    public DumpConfig(Path dir, long maxFileSize, int maxFiles, long maxTotalSize, Format format,
                      boolean bothDirections, int queueCapacity, Sampling sampling, long maxBytesPerSecond,
                      java.util.List<io.ferry.tcpcopy.dump.sink.SinkSpec> sinks) {
        this(dir, maxFileSize, maxFiles, maxTotalSize, format, bothDirections, queueCapacity, sampling,
                maxBytesPerSecond, sinks, DEFAULT_MAX_BUFFERED_BYTES);
    }

    /** The config without sinks ({@code "sinks"}: records go to the dump files only). */
    public DumpConfig(Path dir, long maxFileSize, int maxFiles, long maxTotalSize, Format format,
                      boolean bothDirections, int queueCapacity, Sampling sampling, long maxBytesPerSecond) {
        this(dir, maxFileSize, maxFiles, maxTotalSize, format, bothDirections, queueCapacity, sampling,
                maxBytesPerSecond, java.util.List.of());
    }

    /**
     * 32 MiB: what the capture path holds at most for records waiting to be written (each sink's queue has a
     * budget of its own, {@code queue_bytes}, 16 MiB by default). With the proxy's own needs it fits comfortably in
     * a 256 MiB heap.
     */
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 32L << 20;

    public static final long DEFAULT_MAX_FILE_SIZE = 64L << 20;
    public static final int DEFAULT_MAX_FILES = 10;
    public static final long DEFAULT_MAX_TOTAL_SIZE = 1L << 30;
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;
    /**
     * 1 MiB/s of captured traffic. The writer formats and persists Layotto's hex lines at roughly 100 to 150 MB/s
     * of traffic per core, so this budget keeps its cost to about 1 % of one core (and about 3 MiB/s of file
     * writes) however fast the sampled listener runs; measured through the proxy, 4 MiB/s still cost the 16 KiB
     * request/response workload its p99 target (the module README).
     */
    public static final long DEFAULT_MAX_BYTES_PER_SECOND = 1L << 20;

    /**
     * The config without connection sampling (every connection, no byte budget per connection) and with the default
     * capture budget ({@link #DEFAULT_MAX_BYTES_PER_SECOND}).
     */
    public DumpConfig(Path dir, long maxFileSize, int maxFiles, long maxTotalSize, Format format,
                      boolean bothDirections, int queueCapacity) {
        this(dir, maxFileSize, maxFiles, maxTotalSize, format, bothDirections, queueCapacity, Sampling.ALL);
    }

    /** The config with connection sampling and the default capture budget. */
    public DumpConfig(Path dir, long maxFileSize, int maxFiles, long maxTotalSize, Format format,
                      boolean bothDirections, int queueCapacity, Sampling sampling) {
        this(dir, maxFileSize, maxFiles, maxTotalSize, format, bothDirections, queueCapacity, sampling,
                DEFAULT_MAX_BYTES_PER_SECOND);
    }

    /** The config without connection sampling and with the given capture budget ({@code 0}: unlimited). */
    public DumpConfig(Path dir, long maxFileSize, int maxFiles, long maxTotalSize, Format format,
                      boolean bothDirections, int queueCapacity, long maxBytesPerSecond) {
        this(dir, maxFileSize, maxFiles, maxTotalSize, format, bothDirections, queueCapacity, Sampling.ALL,
                maxBytesPerSecond);
    }

    /** This config with another capture budget ({@code 0}: unlimited). */
    public DumpConfig withMaxBytesPerSecond(long bytesPerSecond) {
        return new DumpConfig(dir, maxFileSize, maxFiles, maxTotalSize, format, bothDirections, queueCapacity,
                sampling, bytesPerSecond, sinks, maxBufferedBytes);
    }

    /** This config with another byte budget for queued records. */
    public DumpConfig withMaxBufferedBytes(long bytes) {
        return new DumpConfig(dir, maxFileSize, maxFiles, maxTotalSize, format, bothDirections, queueCapacity,
                sampling, maxBytesPerSecond, sinks, bytes);
    }

    /** The dump file formats. */
    public enum Format {
        /** Layotto's files and line formats: {@code dump_tcp_copy.log}, {@code dump_portrait_data.log}, {@code dump_mem_dump.log}. */
        LAYOTTO("layotto"),
        /** Layotto's files plus per-connection records in {@code dump_tcp_copy.ferry} (docs/dump-format.md). */
        FERRY("ferry"),
        /** Layotto's files plus a live pcapng capture in {@code dump_tcp_copy.pcapng} (synthetic TCP per connection). */
        PCAPNG("pcapng");

        private final String spelling;

        Format(String spelling) {
            this.spelling = spelling;
        }

        public String spelling() {
            return spelling;
        }
    }

    private static final Set<String> FIELDS =
            Set.of("dir", "max_file_size", "max_files", "max_total_size", "format", "directions", "queue_capacity",
                    "sample_percent", "max_bytes_per_connection", "max_bytes_per_second", "sinks",
                    "max_buffered_bytes");

    public static Path defaultDir() {
        return Path.of(System.getProperty("user.home"), "logs", "mosn", "dump");
    }

    public static DumpConfig defaults() {
        return new DumpConfig(defaultDir(), DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_FILES, DEFAULT_MAX_TOTAL_SIZE,
                Format.LAYOTTO, false, DEFAULT_QUEUE_CAPACITY);
    }

    /** Parses {@code dump}; {@code null} (absent) gives the defaults. */
    public static DumpConfig parse(Object value, Function<String, String> path) throws FilterConfigException {
        return parse(value, path, io.ferry.tcpcopy.dump.sink.SinkSpec.classPathProviders());
    }

    /** As {@link #parse(Object, Function)}, with the dump sink providers available, by type. */
    public static DumpConfig parse(Object value, Function<String, String> path,
                                   java.util.Map<String, io.ferry.dump.spi.DumpSinkProvider> sinkProviders)
            throws FilterConfigException {
        if (value == null) {
            return defaults();
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new FilterConfigException(path.apply(""), value, "an object");
        }
        for (Object k : m.keySet()) {
            if (!FIELDS.contains(k)) {
                throw new FilterConfigException(path.apply(String.valueOf(k)), m.get(k),
                        "no such field; dump accepts " + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        }
        Path dir = defaultDir();
        Object d = m.get("dir");
        if (d != null) {
            if (!(d instanceof String s) || s.isBlank()) {
                throw new FilterConfigException(path.apply("dir"), d, "a directory path");
            }
            dir = Path.of(expand(s));
        }
        long maxFileSize = size(m.get("max_file_size"), path.apply("max_file_size"), DEFAULT_MAX_FILE_SIZE, 4096);
        int maxFiles = m.get("max_files") == null ? DEFAULT_MAX_FILES
                : Strategy.integer(m.get("max_files"), path.apply("max_files"), 1, 1000, "an integer from 1 to 1000");
        long maxTotal = size(m.get("max_total_size"), path.apply("max_total_size"), DEFAULT_MAX_TOTAL_SIZE, maxFileSize);
        Format format = Format.LAYOTTO;
        Object f = m.get("format");
        if (f != null) {
            format = null;
            for (Format candidate : Format.values()) {
                if (candidate.spelling.equals(f)) {
                    format = candidate;
                }
            }
            if (format == null) {
                throw new FilterConfigException(path.apply("format"), f, "one of \"layotto\", \"ferry\", \"pcapng\"");
            }
        }
        boolean both = false;
        Object dirs = m.get("directions");
        if (dirs != null) {
            if ("both".equals(dirs)) {
                both = true;
            } else if (!"inbound".equals(dirs)) {
                throw new FilterConfigException(path.apply("directions"), dirs, "\"inbound\" or \"both\"");
            }
        }
        int queue = m.get("queue_capacity") == null ? DEFAULT_QUEUE_CAPACITY
                : Strategy.integer(m.get("queue_capacity"), path.apply("queue_capacity"), 1, 1 << 20,
                "an integer from 1 to 1048576");
        long budget = DEFAULT_MAX_BYTES_PER_SECOND;
        Object b = m.get("max_bytes_per_second");
        if (b != null) {
            budget = -1;
            if (b instanceof Number n) {
                double v = n.doubleValue();
                if (v == Math.rint(v) && v >= 0 && v <= MAX_BYTES_PER_SECOND) {
                    budget = (long) v;
                }
            }
            if (budget < 0) {
                throw new FilterConfigException(path.apply("max_bytes_per_second"), b,
                        "an integer number of bytes per second from 0 (unlimited) to " + MAX_BYTES_PER_SECOND);
            }
        }
        Sampling sampling = Sampling.parse(m, path);
        long buffered = size(m.get("max_buffered_bytes"), path.apply("max_buffered_bytes"), DEFAULT_MAX_BUFFERED_BYTES,
                1L << 20);
        return new DumpConfig(dir, maxFileSize, maxFiles, maxTotal, format, both, queue, sampling, budget,
                io.ferry.tcpcopy.dump.sink.SinkSpec.parseAll(m.get("sinks"), path.apply("sinks"), sinkProviders),
                buffered);
    }

    /** The largest budget accepted: 1 TiB/s, far beyond any writer (and it keeps the budget's arithmetic exact). */
    static final long MAX_BYTES_PER_SECOND = 1L << 40;

    private static long size(Object v, String path, long dflt, long min) throws FilterConfigException {
        if (v == null) {
            return Math.max(dflt, min);
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d == Math.rint(d) && d >= min && d <= Long.MAX_VALUE / 2) {
                return (long) d;
            }
        }
        throw new FilterConfigException(path, v, "an integer number of bytes, at least " + min);
    }

    private static String expand(String s) {
        String home = System.getProperty("user.home");
        String r = s.replace("${user.home}", home);
        if (r.equals("~") || r.startsWith("~/")) {
            r = home + r.substring(1);
        }
        return r;
    }
}
