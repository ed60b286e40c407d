package io.ferry.tcpcopy.dump.sink;

import io.ferry.dump.spi.DumpSink;
import io.ferry.dump.spi.DumpSinkProvider;
import io.ferry.dump.spi.EncodedRecord;
import io.ferry.dump.spi.SinkConfig;
import io.ferry.dump.spi.SinkConfigException;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A {@code test} sink type for the tests: records what it gets; {@code "block": true} makes it hang until released. */
public final class TestSinks {

    /** Sinks by {@code id} field, so tests can reach the instance a provider created. */
    public static final Map<String, Recording> CREATED = new ConcurrentHashMap<>();

    private TestSinks() {
    }

    public static final class Recording implements DumpSink {
        final List<EncodedRecord> got = new CopyOnWriteArrayList<>();
        public final CountDownLatch release = new CountDownLatch(1);
        final boolean block;
        final boolean fail;
        volatile boolean closed;

        Recording(boolean block, boolean fail) {
            this.block = block;
            this.fail = fail;
        }

        @Override
        public void accept(EncodedRecord record) throws Exception {
            if (block) {
                release.await();
            }
            if (fail) {
                throw new IllegalStateException("test sink failure");
            }
            got.add(record);
        }

        @Override
        public void close() {
            release.countDown();
            closed = true;
        }
    }

    public static final class Provider implements DumpSinkProvider {
        @Override
        public String type() {
            return "test";
        }

        @Override
        public void validate(SinkConfig spec) throws SinkConfigException {
            spec.rejectUnknown(Set.of("id", "block", "fail", "fail_create"));
            spec.requireString("id", "a test sink id");
            spec.bool("block", false);
            spec.bool("fail", false);
        }

        @Override
        public DumpSink create(SinkConfig spec) {
            if (Boolean.TRUE.equals(spec.fields().get("fail_create"))) {
                throw new IllegalStateException("test sink " + spec.fields().get("id") + " cannot be created");
            }
            Recording r = new Recording(Boolean.TRUE.equals(spec.fields().get("block")),
                    Boolean.TRUE.equals(spec.fields().get("fail")));
            CREATED.put((String) spec.fields().get("id"), r);
            return r;
        }
    }
}
