package io.ferry.tcpcopy.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Reads the limits and usage of the cgroup this process runs in, from a cgroup file system root (normally
 * {@code /sys/fs/cgroup}, which inside a container is the container's own cgroup).
 *
 * <ul>
 *   <li><b>v2</b> (a {@code cgroup.controllers} file at the root): {@code cpu.max} ({@code "<quota> <period>"} or
 *       {@code "max <period>"}), {@code cpu.stat} ({@code usage_usec}), {@code memory.max} (bytes or {@code "max"}),
 *       {@code memory.current}, {@code memory.stat} ({@code inactive_file}).</li>
 *   <li><b>v1</b>: {@code cpu/cpu.cfs_quota_us} ({@code -1} = no limit) and {@code cpu/cpu.cfs_period_us},
 *       {@code cpuacct/cpuacct.usage} (ns), {@code memory/memory.limit_in_bytes} (a huge value = no limit),
 *       {@code memory/memory.usage_in_bytes}, {@code memory/memory.stat} ({@code total_inactive_file}); the
 *       combined {@code cpu,cpuacct} directory is understood too.</li>
 * </ul>
 * Memory in use is the working set, usage minus inactive file cache, as container runtimes count it. Missing or
 * unreadable files mean "no limit here", and the caller falls back to host values.
 */
public final class Cgroup {

    /** v1 reports "no limit" as a page-aligned value near Long.MAX_VALUE; anything above 2^60 bytes is no limit. */
    private static final long V1_UNLIMITED = 1L << 60;

    private final Path root;
    private final boolean v2;

    public Cgroup(Path root) {
        this.root = root;
        this.v2 = Files.exists(root.resolve("cgroup.controllers"));
    }

    /** "cgroup v2" or "cgroup v1". */
    public String version() {
        return v2 ? "cgroup v2" : "cgroup v1";
    }

    /** The CPU limit in cores (quota / period), empty if there is none. */
    public OptionalDouble cpuLimitCores() {
        if (v2) {
            String s = read("cpu.max");
            if (s == null) {
                return OptionalDouble.empty();
            }
            String[] parts = s.trim().split("\\s+");
            if (parts.length != 2 || parts[0].equals("max")) {
                return OptionalDouble.empty();
            }
            return ratio(parts[0], parts[1]);
        }
        for (String dir : List.of("cpu", "cpu,cpuacct", "cpuacct,cpu")) {
            String q = read(dir + "/cpu.cfs_quota_us");
            String p = read(dir + "/cpu.cfs_period_us");
            if (q != null && p != null) {
                return q.trim().startsWith("-") ? OptionalDouble.empty() : ratio(q.trim(), p.trim());
            }
        }
        return OptionalDouble.empty();
    }

    /** The cgroup's total CPU time used, in nanoseconds, if readable. */
    public OptionalLong cpuUsageNanos() {
        if (v2) {
            OptionalLong usec = statValue(read("cpu.stat"), "usage_usec");
            return usec.isPresent() ? OptionalLong.of(usec.getAsLong() * 1000) : usec;
        }
        for (String dir : List.of("cpuacct", "cpu,cpuacct", "cpuacct,cpu", "cpu")) {
            String s = read(dir + "/cpuacct.usage");
            if (s != null) {
                return parseLong(s);
            }
        }
        return OptionalLong.empty();
    }

    /** Working-set memory in percent of the cgroup's limit, empty if there is no limit. */
    public OptionalDouble memoryPercent() {
        String limitText = read(v2 ? "memory.max" : "memory/memory.limit_in_bytes");
        String usageText = read(v2 ? "memory.current" : "memory/memory.usage_in_bytes");
        if (limitText == null || usageText == null || limitText.trim().equals("max")) {
            return OptionalDouble.empty();
        }
        OptionalLong limit = parseLong(limitText);
        OptionalLong usage = parseLong(usageText);
        if (limit.isEmpty() || usage.isEmpty() || limit.getAsLong() <= 0 || limit.getAsLong() >= V1_UNLIMITED) {
            return OptionalDouble.empty();
        }
        long inactive = statValue(read(v2 ? "memory.stat" : "memory/memory.stat", null),
                v2 ? "inactive_file" : "total_inactive_file").orElse(0);
        long workingSet = Math.max(0, usage.getAsLong() - inactive);
        return OptionalDouble.of(100.0 * workingSet / limit.getAsLong());
    }

    private static OptionalDouble ratio(String quota, String period) {
        try {
            double q = Double.parseDouble(quota);
            double p = Double.parseDouble(period);
            return q > 0 && p > 0 ? OptionalDouble.of(q / p) : OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    private static OptionalLong statValue(String stat, String key) {
        if (stat == null) {
            return OptionalLong.empty();
        }
        for (String line : stat.split("\n")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2 && kv[0].equals(key)) {
                return parseLong(kv[1]);
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong parseLong(String s) {
        try {
            return OptionalLong.of(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private String read(String relative) {
        return read(relative, null);
    }

    private String read(String relative, String dflt) {
        Path p = root.resolve(relative);
        try {
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return dflt;
        }
    }
}
