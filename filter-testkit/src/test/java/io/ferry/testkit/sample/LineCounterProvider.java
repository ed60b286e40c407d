package io.ferry.testkit.sample;

import io.ferry.filter.api.FilterApi;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.NetworkFilterChainFactory;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.WriteFilter;
import io.ferry.filter.api.spi.FilterConfig;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.NetworkFilterFactoryProvider;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The kit's own test filter, {@code testkit.linecounter}: an observer that counts bytes read, complete lines and lines
 * longer than {@code max_line_bytes}, and bytes written; publishes the counts as stats; passes every byte on. One
 * instance per connection serves as both its read and its write filter.
 */
public final class LineCounterProvider implements NetworkFilterFactoryProvider {

    public static final String TYPE = "testkit.linecounter";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String apiVersion() {
        return FilterApi.VERSION;
    }

    @Override
    public NetworkFilterChainFactory create(FilterConfig config) throws FilterConfigException {
        int maxLine = 1024;
        for (Map.Entry<String, Object> e : config.asMap().entrySet()) {
            if (!e.getKey().equals("max_line_bytes")) {
                throw new FilterConfigException(config.path(e.getKey()), e.getValue(), "one of the keys: max_line_bytes");
            }
            Object v = e.getValue();
            if (!(v instanceof Double) || (Double) v != Math.rint((Double) v) || (Double) v < 1 || (Double) v > 65536) {
                throw new FilterConfigException(config.path("max_line_bytes"), v, "an integer from 1 to 65536");
            }
            maxLine = ((Double) v).intValue();
        }
        LongAdder bytes = new LongAdder();
        LongAdder lines = new LongAdder();
        LongAdder longLines = new LongAdder();
        LongAdder bytesOut = new LongAdder();
        config.environment().stats().register(TYPE, () -> Map.of("bytes", bytes.sum(), "lines", lines.sum(),
                "long_lines", longLines.sum(), "bytes_out", bytesOut.sum()));
        int max = maxLine;
        return (ctx, cb) -> {
            LineCounter counter = new LineCounter(max, bytes, lines, longLines, bytesOut);
            cb.addReadFilter(counter);
            cb.addWriteFilter(counter);
        };
    }

    /** One per connection: its position in the current line is per-connection state, kept without locks. */
    static final class LineCounter implements ReadFilter, WriteFilter {
        private final int maxLine;
        private final LongAdder bytes;
        private final LongAdder lines;
        private final LongAdder longLines;
        private final LongAdder bytesOut;
        private int lineLength;

        LineCounter(int maxLine, LongAdder bytes, LongAdder lines, LongAdder longLines, LongAdder bytesOut) {
            this.maxLine = maxLine;
            this.bytes = bytes;
            this.lines = lines;
            this.longLines = longLines;
            this.bytesOut = bytesOut;
        }

        @Override
        public FilterStatus onWrite(List<IoBuffer> buffers) {
            for (IoBuffer b : buffers) {
                bytesOut.add(b.length());
            }
            return FilterStatus.CONTINUE;
        }

        @Override
        public FilterStatus onData(IoBuffer buffer) {
            // Counts what it is shown; bytes a later filter leaves undrained would be shown (and counted) again.
            int n = buffer.length();
            for (int i = 0; i < n; i++) {
                if (buffer.getByte(i) == '\n') {
                    lines.increment();
                    if (lineLength > maxLine) {
                        longLines.increment();
                    }
                    lineLength = 0;
                } else {
                    lineLength++;
                }
            }
            bytes.add(n);
            return FilterStatus.CONTINUE;
        }
    }
}
