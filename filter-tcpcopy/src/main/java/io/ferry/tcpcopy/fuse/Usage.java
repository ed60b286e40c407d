package io.ferry.tcpcopy.fuse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One reading of CPU and memory usage, in percent of what this process may use. A value is {@code NaN} when it is not
 * known (the first CPU reading needs a previous sample to compare with).
 *
 * @param cpuPercent CPU busy time over the last sampling period, 0-100
 * @param memPercent memory in use, 0-100
 * @param cpuSource  where the CPU value came from, e.g. {@code "cgroup v2"} or {@code "host"}
 * @param memSource  where the memory value came from
 */
public record Usage(double cpuPercent, double memPercent, String cpuSource, String memSource) {

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_percent", Double.isNaN(cpuPercent) ? null : cpuPercent);
        m.put("mem_percent", Double.isNaN(memPercent) ? null : memPercent);
        m.put("cpu_source", cpuSource);
        m.put("mem_source", memSource);
        return m;
    }
}
