package io.ferry.tcpcopy.fuse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CgroupTest {

    @TempDir
    Path root;

    /** Host values the test controls. */
    static final class Host implements SystemUsageSampler.HostProbe {
        long busy;
        long total;
        double mem = 42;

        @Override
        public long[] cpuTicks() {
            return new long[] {busy, total};
        }

        @Override
        public double memoryPercent() {
            return mem;
        }
    }

    private void write(String rel, String content) throws Exception {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void cgroupV2LimitsAreHonoured() throws Exception {
        write("cgroup.controllers", "cpu memory\n");
        write("cpu.max", "50000 100000\n");                         // half a core
        write("cpu.stat", "usage_usec 1000000\nuser_usec 1\n");
        write("memory.max", "1073741824\n");                         // 1 GiB
        write("memory.current", "644245094\n");
        write("memory.stat", "anon 1\ninactive_file 107374182\n");   // working set = 0.5 GiB
        AtomicLong nanos = new AtomicLong(0);
        Host host = new Host();
        SystemUsageSampler s = new SystemUsageSampler(root, host, nanos::get);
        Usage first = s.sample();
        assertTrue(Double.isNaN(first.cpuPercent()), "CPU needs two samples");
        assertEquals(50.0, first.memPercent(), 0.01);
        assertEquals("cgroup v2", first.memSource());
        nanos.set(1_000_000_000L);
        write("cpu.stat", "usage_usec 1400000\n");                   // 0.4 s of CPU in 1 s, on a 0.5-core quota
        Usage second = s.sample();
        assertEquals(80.0, second.cpuPercent(), 0.01);
        assertEquals("cgroup v2", second.cpuSource());
    }

    @Test
    void cgroupV2WithoutLimitsFallsBackToHost() throws Exception {
        write("cgroup.controllers", "cpu memory\n");
        write("cpu.max", "max 100000\n");
        write("memory.max", "max\n");
        write("memory.current", "5\n");
        Host host = new Host();
        SystemUsageSampler s = new SystemUsageSampler(root, host, () -> 0);
        host.busy = 100;
        host.total = 1000;
        s.sample();
        host.busy = 400;
        host.total = 2000;
        Usage u = s.sample();
        assertEquals(30.0, u.cpuPercent(), 0.01);
        assertEquals("host", u.cpuSource());
        assertEquals(42.0, u.memPercent(), 0.01);
        assertEquals("host", u.memSource());
    }

    @Test
    void cgroupV1LimitsAreHonoured() throws Exception {
        write("cpu,cpuacct/cpu.cfs_quota_us", "200000\n");           // two cores
        write("cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        write("cpu,cpuacct/cpuacct.usage", "5000000000\n");
        write("memory/memory.limit_in_bytes", "2000\n");
        write("memory/memory.usage_in_bytes", "1500\n");
        write("memory/memory.stat", "cache 10\ntotal_inactive_file 500\n");
        AtomicLong nanos = new AtomicLong(0);
        SystemUsageSampler s = new SystemUsageSampler(root, new Host(), nanos::get);
        s.sample();
        nanos.set(2_000_000_000L);
        write("cpu,cpuacct/cpuacct.usage", "6000000000\n");          // 1 s of CPU in 2 s on 2 cores
        Usage u = s.sample();
        assertEquals(25.0, u.cpuPercent(), 0.01);
        assertEquals("cgroup v1", u.cpuSource());
        assertEquals(50.0, u.memPercent(), 0.01);
    }

    @Test
    void cgroupV1UnlimitedMemoryFallsBackToHost() throws Exception {
        write("cpu/cpu.cfs_quota_us", "-1\n");
        write("cpu/cpu.cfs_period_us", "100000\n");
        write("memory/memory.limit_in_bytes", "9223372036854771712\n");
        write("memory/memory.usage_in_bytes", "1500\n");
        Usage u = new SystemUsageSampler(root, new Host(), () -> 0).sample();
        assertEquals("host", u.cpuSource());
        assertEquals("host", u.memSource());
    }

    @Test
    void fuseUsesTheLatestReadingAndIgnoresUnknownCpu() {
        double[] v = {Double.NaN, 50};
        Fuse f = new Fuse(() -> new Usage(v[0], v[1], "t", "t"));
        assertTrue(f.allows(80, 60), "first reading taken on demand; CPU unknown, memory decides");
        v[1] = 60;
        f.sample();
        assertTrue(!f.allows(80, 60), "strictly below the limit");
        v[0] = 79.9;
        v[1] = 10;
        f.sample();
        assertTrue(f.allows(80, 60));
    }

    @Test
    void realSamplerWorksOnThisHost() throws Exception {
        SystemUsageSampler s = new SystemUsageSampler();
        Usage u = s.sample();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (Double.isNaN(u.memPercent()) && System.nanoTime() < deadline) {
            Thread.sleep(20);                       // OSHI initialises on its own thread
            u = s.sample();
        }
        assertTrue(u.memPercent() >= 0 && u.memPercent() <= 100, u.toString());
        Usage u2 = s.sample();
        assertTrue(Double.isNaN(u2.cpuPercent()) || (u2.cpuPercent() >= 0 && u2.cpuPercent() <= 100), u2.toString());
    }
}
