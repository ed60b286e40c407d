package io.ferry.tcpcopy;

import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.dump.CaptureStats;
import io.ferry.tcpcopy.dump.DropReason;
import io.ferry.tcpcopy.dump.DumpWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The writer's sustained rate: each operation queues one batch of captured records (at most the queue's capacity,
 * so nothing is dropped) and waits until the writer has persisted all of them. Captured traffic persisted per second
 * is {@code ops/s × batch × size}; the file grows three times as fast (Layotto's hex lines).
 *
 * <p>The fork runs with a fixed, pre-touched 1 GiB heap, as a proxy is deployed: on a large default heap that was
 * never touched, every copy would also pay the kernel's first-touch page faults.
 *
 * <p>Not a test: run with {@code mvn -Pjmh} (see the module README).
 */
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WriterBenchmark {

    /** Records per batch; the queue's data share (three quarters) holds one batch. */
    static final int BATCH = 1024;

    @Param({"128", "16384"})
    public int size;

    private Path dir;
    private DumpWriter writer;
    private CaptureStats stats;
    private byte[][] payloads;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("tcpcopy-writer-bench");
        writer = new DumpWriter(new DumpConfig(dir, 64L << 20, 2, 512L << 20, DumpConfig.Format.LAYOTTO, false, BATCH * 4 / 3 + 2, 0).withMaxBufferedBytes(1L << 30),
                ZoneId.systemDefault(), System::nanoTime);
        stats = new CaptureStats();
        payloads = new byte[BATCH][];
        for (int i = 0; i < BATCH; i++) {
            payloads[i] = new byte[size];
            ThreadLocalRandom.current().nextBytes(payloads[i]);
        }
    }

    /** The connection the batches belong to. */
    private static final class Owner implements io.ferry.tcpcopy.dump.CapturedConnection {
        @Override
        public void requestAbandon(io.ferry.tcpcopy.dump.ShedReason reason) {
        }

        @Override
        public void abandonedByWriter(io.ferry.tcpcopy.dump.ShedReason reason) {
            throw new IllegalStateException("the writer gave the capture up: " + reason);
        }
    }

    private static final String WINDOW = "0b6e3a3e-8a4e-4a9e-9a57-0c1b5a2f6d11";
    private final Owner owner = new Owner();
    private long offset;

    @Benchmark
    public void persistBatch() throws InterruptedException {
        long now = System.currentTimeMillis() * 1000;
        if (offset == 0) {
            writer.submitControl(io.ferry.dump.format.FerryRecord.open(now, 1, WINDOW, "l",
                    io.ferry.dump.format.Endpoint.UNKNOWN_ENDPOINT, io.ferry.dump.format.Endpoint.UNKNOWN_ENDPOINT,
                    false, 0, -1), "2045", owner, stats);
        }
        for (int i = 0; i < BATCH; i++) {
            if (writer.gate().reserve(size) != null || !writer.submitData(owner, stats, now, WINDOW, "2045", "l", 1,
                    io.ferry.dump.format.FerryRecord.INBOUND, offset, io.ferry.filter.api.IoBuffer.wrap(payloads[i]),
                    0, size)) {
                throw new IllegalStateException("a record did not fit");
            }
            offset += size;
        }
        if (!writer.awaitIdle(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("writer stalled");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        System.out.printf("%n[tcpcopy writer] size %d: written %d, dropped queue_full %d, size_cap %d%n", size,
                stats.writtenRecords(), stats.dropped(DropReason.QUEUE_FULL), stats.dropped(DropReason.SIZE_CAP));
        writer.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
