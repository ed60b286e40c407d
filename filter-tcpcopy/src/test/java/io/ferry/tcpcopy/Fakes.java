package io.ferry.tcpcopy;

import io.ferry.tcpcopy.fuse.Usage;
import io.ferry.tcpcopy.fuse.UsageSampler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test inputs the kit does not provide: injected CPU and memory readings, and strategy objects. */
final class Fakes {

    private Fakes() {
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
