package io.ferry.tcpcopy.config;

import io.ferry.filter.api.spi.FilterConfigException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Connection sampling within a window: {@code sample_percent} of the connections are captured (decided once per
 * connection, like tcpcopy's {@code -r} and MOSN mirror's {@code percent}), each up to
 * {@code max_bytes_per_connection} bytes, both directions together (0: no limit). Read from {@code dump} in the
 * config and replaceable per listener through {@code PUT /api/v1/tcpcopy/sampling?listener=NAME}. Immutable.
 */
public record Sampling(int samplePercent, long maxBytesPerConnection) {

    public static final Sampling ALL = new Sampling(100, 0);

    /** Reads {@code sample_percent} and {@code max_bytes_per_connection} from {@code m}; absent fields keep the defaults. */
    public static Sampling parse(Map<?, ?> m, Function<String, String> path) throws FilterConfigException {
        int percent = m.get("sample_percent") == null ? 100
                : Strategy.integer(m.get("sample_percent"), path.apply("sample_percent"), 0, 100,
                "an integer from 0 to 100 (percent of connections)");
        long budget = 0;
        Object b = m.get("max_bytes_per_connection");
        if (b != null) {
            boolean ok = false;
            if (b instanceof Number n) {
                double d = n.doubleValue();
                ok = d == Math.rint(d) && d >= 0 && d <= (double) (1L << 50);
                budget = (long) d;
            }
            if (!ok) {
                throw new FilterConfigException(path.apply("max_bytes_per_connection"), b,
                        "an integer number of bytes, 0 (no limit) or more");
            }
        }
        return new Sampling(percent, budget);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sample_percent", samplePercent);
        m.put("max_bytes_per_connection", maxBytesPerConnection);
        return m;
    }
}
