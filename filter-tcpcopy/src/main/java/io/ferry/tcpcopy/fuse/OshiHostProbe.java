package io.ferry.tcpcopy.fuse;

import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;

/** Host CPU ticks and memory through OSHI. Created lazily, on the sampler's thread. */
final class OshiHostProbe implements SystemUsageSampler.HostProbe {

    private CentralProcessor cpu;
    private GlobalMemory memory;

    private void init() {
        if (cpu == null) {
            SystemInfo si = new SystemInfo();
            cpu = si.getHardware().getProcessor();
            memory = si.getHardware().getMemory();
        }
    }

    @Override
    public long[] cpuTicks() {
        init();
        long[] t = cpu.getSystemCpuLoadTicks();
        long total = 0;
        for (long v : t) {
            total += v;
        }
        long idle = t[CentralProcessor.TickType.IDLE.getIndex()] + t[CentralProcessor.TickType.IOWAIT.getIndex()];
        return new long[] {total - idle, total};
    }

    @Override
    public double memoryPercent() {
        init();
        long total = memory.getTotal();
        return total <= 0 ? Double.NaN : 100.0 * (total - memory.getAvailable()) / total;
    }
}
