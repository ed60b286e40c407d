package io.ferry.mirror;

import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The validated config of one {@code tcp_mirror} filter entry. Keys match exactly (as a MOSN filter indexing its
 * config map does); an unknown key is an error, with the closest known key suggested. Every error names the JSON path,
 * the value and what is accepted, in Ferry's one format. Immutable.
 *
 * <pre>{@code
 * {"type": "tcp_mirror", "config": {"cluster": "shadow", "percent": 10, "copies": 1, "compare": true,
 *                                   "max_buffer": "1MiB", "connect_timeout": "1s"}}
 * }</pre>
 *
 * @param cluster        the shadow cluster ({@code cluster_manager.clusters[].name}); required
 * @param percent        the share of connections mirrored, 0 to 100, fractions allowed (default 100)
 * @param copies         shadow connections per mirrored connection, 1 to {@value #MAX_COPIES} (default 1)
 * @param compare        compare each shadow's answer with the primary's (default true)
 * @param maxBuffer      bytes a shadow connection may fall behind, beyond the runtime's write high-water mark, before it
 *                       is abandoned ({@code overflow}), {@value #MIN_BUFFER} B to 1 GiB (default 1 MiB)
 * @param connectTimeout how long a shadow connection may take to be established (default 1 s, at most 60 s)
 * @param grace          how long shadows may still answer after the client's connection closed (default 1 s, at
 *                       most 30 s)
 * @param compareWindow  how far one side's answer may run ahead of the other's while both are compared byte for
 *                       byte (default 64 KiB; see {@link ResponseComparison})
 * @param verdictLog     the file verdicts are appended to as JSON lines, or {@code null}
 * @param enabled        whether mirroring starts switched on (default true)
 */
record MirrorConfig(String cluster, double percent, int copies, boolean compare, int maxBuffer,
                    Duration connectTimeout, Duration grace, int compareWindow, Path verdictLog, boolean enabled) {

    static final int MAX_COPIES = 16;
    static final int MIN_BUFFER = 1024;
    static final long MAX_BUFFER = 1L << 30;
    static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(60);
    static final Duration MAX_GRACE = Duration.ofSeconds(30);

    static final Set<String> KEYS = Set.of("cluster", "percent", "copies", "compare", "max_buffer", "connect_timeout",
            "grace", "compare_window", "verdict_log", "enabled");

    private static final String SIZE = "a size in bytes: an integer, or a string such as \"64KiB\", \"1MiB\" or "
            + "\"1GiB\"";
    private static final Pattern SIZE_PATTERN = Pattern.compile("(\\d{1,12})\\s*(b|kib|mib|gib|kb|mb|gb|k|m|g)?");

    /**
     * Parses and checks one entry's config.
     *
     * @param clusters the runtime's cluster names ({@code FilterEnvironment.clusterNames()}); when empty (a runtime
     *                 that does not tell), the cluster is not checked here and an unknown one shows as
     *                 {@code no_cluster} abandonments
     */
    static MirrorConfig parse(FilterConfig config, Set<String> clusters) throws FilterConfigException {
        config.rejectUnknownKeys(KEYS);
        String cluster = config.getString("cluster");
        if (cluster.isEmpty() || (!clusters.isEmpty() && !clusters.contains(cluster))) {
            throw new FilterConfigException(config.path("cluster"), cluster,
                    "the name of a cluster in cluster_manager.clusters" + (clusters.isEmpty() ? "" : " " + clusters));
        }
        double percent = config.getDouble("percent", 100);
        if (percent < 0 || percent > 100) {
            throw new FilterConfigException(config.path("percent"), config.asMap().get("percent"),
                    "a number from 0 to 100 (the share of connections mirrored, fractions allowed)");
        }
        int copies;
        try {
            copies = config.getInt("copies", 1);
        } catch (FilterConfigException e) {
            copies = -1;
        }
        if (copies < 1 || copies > MAX_COPIES) {
            throw new FilterConfigException(config.path("copies"), config.asMap().get("copies"),
                    "an integer from 1 to " + MAX_COPIES + " (shadow connections per mirrored connection)");
        }
        boolean compare = config.getBoolean("compare", true);
        long maxBuffer = size(config, "max_buffer", 1L << 20, MIN_BUFFER, MAX_BUFFER);
        long window = size(config, "compare_window", 64 * 1024, 1, MAX_BUFFER);
        Duration connectTimeout = config.getDuration("connect_timeout", Duration.ofSeconds(1));
        if (connectTimeout.isZero() || connectTimeout.compareTo(MAX_CONNECT_TIMEOUT) > 0) {
            throw new FilterConfigException(config.path("connect_timeout"), config.asMap().get("connect_timeout"),
                    "a duration from 1ms to 60s, such as \"1s\" or \"300ms\"");
        }
        Duration grace = config.getDuration("grace", Duration.ofSeconds(1));
        if (grace.compareTo(MAX_GRACE) > 0) {
            throw new FilterConfigException(config.path("grace"), config.asMap().get("grace"),
                    "a duration from 0 to 30s, such as \"1s\" or \"500ms\"");
        }
        String log = config.getString("verdict_log", null);
        Path verdictLog = null;
        if (log != null) {
            try {
                verdictLog = log.isBlank() ? null : Path.of(log);
            } catch (RuntimeException e) {
                verdictLog = null;
            }
            if (verdictLog == null) {
                throw new FilterConfigException(config.path("verdict_log"), log, "a file path");
            }
        }
        boolean enabled = config.getBoolean("enabled", true);
        return new MirrorConfig(cluster, percent, copies, compare, (int) maxBuffer, connectTimeout, grace,
                (int) window, verdictLog, enabled);
    }

    /** A size under {@code key}: a JSON integer (bytes) or a string with a unit (B, KiB, MiB, GiB; KB, MB, GB). */
    static long size(FilterConfig config, String key, long dflt, long min, long max) throws FilterConfigException {
        Object v = config.asMap().get(key);
        if (v == null) {
            return dflt;
        }
        long n = parseSize(v);
        String range = " from " + human(min) + " to " + human(max);
        if (n < 0) {
            throw new FilterConfigException(config.path(key), v, SIZE + range);
        }
        if (n < min || n > max) {
            throw new FilterConfigException(config.path(key), v, "a size" + range);
        }
        return n;
    }

    /** The size {@code v} stands for, or -1 if it is not one. */
    static long parseSize(Object v) {
        if (v instanceof Number num) {
            double d = num.doubleValue();
            return d >= 0 && d == Math.rint(d) && d < 1e15 ? (long) d : -1;
        }
        if (!(v instanceof String s)) {
            return -1;
        }
        Matcher m = SIZE_PATTERN.matcher(s.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long mult = switch (unit) {
            case "kib", "k" -> 1L << 10;
            case "mib", "m" -> 1L << 20;
            case "gib", "g" -> 1L << 30;
            case "kb" -> 1000L;
            case "mb" -> 1000_000L;
            case "gb" -> 1000_000_000L;
            default -> 1L;
        };
        return n > Long.MAX_VALUE / mult ? -1 : n * mult;
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }
}
