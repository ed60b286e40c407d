package io.ferry.tcpcopy.fuse;

import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The production {@link UsageSampler}: the container's cgroup limits when there are any, host values from OSHI
 * otherwise (Layotto reads host-wide values only, defect 14).
 *
 * <ul>
 *   <li>CPU: with a cgroup CPU quota, the cgroup's CPU time over the last sampling period divided by
 *       {@code period × quota cores}; without one, host CPU busy ticks over the period (OSHI).</li>
 *   <li>Memory: with a cgroup memory limit, the working set in percent of the limit; without one, host memory in use
 *       ({@code total - available}) in percent of the total (OSHI), as Layotto's gopsutil {@code UsedPercent}.</li>
 * </ul>
 * CPU is a difference between two samples, so the first reading has {@code NaN} CPU. Never sleeps. Not thread-safe:
 * call it from one thread (the scheduler's timer).
 */
public final class SystemUsageSampler implements UsageSampler {

    /** Host values, behind an interface so that the cgroup arithmetic is testable without OSHI. */
    public interface HostProbe {
        /** Cumulative host CPU ticks, {@code [busy, total]}. */
        long[] cpuTicks();

        /** Host memory in use, in percent. */
        double memoryPercent();
    }

    private final Cgroup cgroup;
    private final Supplier<HostProbe> hostFactory;
    private volatile HostProbe host;
    private boolean hostInitStarted;
    private final LongSupplier nanoTime;
    private long lastCgroupUsage = -1;
    private long lastNanos;
    private long[] lastTicks;

    /**
     * Reads {@code /sys/fs/cgroup} and OSHI. OSHI takes seconds to initialise on a busy machine, so it is initialised
     * on its own daemon thread at the first sample, never on the scheduler's shared timer; until it is ready, host
     * values are unknown ({@code NaN}).
     */
    public SystemUsageSampler() {
        this.cgroup = new Cgroup(Path.of("/sys/fs/cgroup"));
        this.hostFactory = () -> {
            OshiHostProbe p = new OshiHostProbe();
            p.cpuTicks();
            return p;
        };
        this.nanoTime = System::nanoTime;
    }

    public SystemUsageSampler(Path cgroupRoot, HostProbe host, LongSupplier nanoTime) {
        this.cgroup = new Cgroup(cgroupRoot);
        this.hostFactory = () -> host;
        this.host = host;
        this.nanoTime = nanoTime;
    }

    /** The host probe, or null while it is being initialised on its own thread. */
    private HostProbe host() {
        HostProbe h = host;
        if (h == null && !hostInitStarted) {
            hostInitStarted = true;
            Thread t = new Thread(() -> host = hostFactory.get(), "ferry-tcpcopy-oshi-init");
            t.setDaemon(true);
            t.start();
        }
        return h;
    }

    @Override
    public Usage sample() {
        double cpu;
        String cpuSource;
        OptionalDouble cores = cgroup.cpuLimitCores();
        OptionalLong usage = cores.isPresent() ? cgroup.cpuUsageNanos() : OptionalLong.empty();
        long now = nanoTime.getAsLong();
        if (usage.isPresent()) {
            cpuSource = cgroup.version();
            cpu = lastCgroupUsage < 0 || now <= lastNanos ? Double.NaN
                    : clamp(100.0 * (usage.getAsLong() - lastCgroupUsage) / ((now - lastNanos) * cores.getAsDouble()));
            lastCgroupUsage = usage.getAsLong();
        } else {
            cpuSource = "host";
            HostProbe h = host();
            long[] ticks = h == null ? null : h.cpuTicks();
            cpu = ticks == null || lastTicks == null || ticks[1] <= lastTicks[1] ? Double.NaN
                    : clamp(100.0 * (ticks[0] - lastTicks[0]) / (ticks[1] - lastTicks[1]));
            lastTicks = ticks;
            lastCgroupUsage = -1;
        }
        lastNanos = now;
        OptionalDouble mem = cgroup.memoryPercent();
        if (mem.isPresent()) {
            return new Usage(cpu, clamp(mem.getAsDouble()), cpuSource, cgroup.version());
        }
        HostProbe h = host();
        return new Usage(cpu, h == null ? Double.NaN : clamp(h.memoryPercent()), cpuSource, "host");
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(100, v));
    }
}
