package io.ferry.tcpcopy;

import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.tcpcopy.dump.DumpWriter;
import io.ferry.tcpcopy.dump.ShedReason;
import io.ferry.testkit.embedded.EmbeddedListener;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The connection thread's cost of one <b>captured</b> read, as the chain calls {@code onData} before
 * {@code tcp_proxy}: the read is appended to the connection's buffer, the filter decides nothing more (the connection
 * was admitted when the window opened), reserves the bytes, copies them into the writer's queue, and the buffer is
 * drained. Each invocation is a batch of {@link #BATCH} reads; between two batches, untimed, the writer thread (which
 * takes each record off the queue and discards it) empties the queue, so the capture is never shed for overload and
 * every timed read is captured. The trial fails if the capture ended.
 *
 * <p>{@link OnDataBenchmark}'s {@code inside} mode reads in a tight loop without letting the writer catch up: its one
 * connection is shed after a few thousand reads (the queue fills faster than the writer is woken), and the rest of
 * that trial measures reads that are not captured.
 *
 * <p>The fork runs with a fixed, pre-touched 1 GiB heap, as a proxy is deployed. Not a test: run with
 * {@code mvn -Pjmh} (see the module README).
 */
@State(Scope.Thread)
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CapturedReadBenchmark {

    /** Reads per invocation: a quarter of the default queue, well below the shedding thresholds. */
    static final int BATCH = 1024;

    @Param({"128", "16384"})
    public int size;

    private Harness harness;
    private Path dir;
    private ReadFilter filter;
    private IoBuffer buffer;
    private byte[] payload;
    private TcpCopyFactory factory;
    private long reads;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        payload = new byte[size];
        ThreadLocalRandom.current().nextBytes(payload);
        buffer = IoBuffer.allocate(size * 2);
        harness = new Harness(new TcpCopyProvider(new TcpCopy(new Fakes.Readings(), () -> DumpWriter::discarding)));
        dir = Files.createTempDirectory("tcpcopy-captured-bench");
        factory = harness.create(Harness.config(Fakes.strategy("ON", 3600, 3599, 99, 99), dir,
                "max_total_size", (double) (256 << 20), "max_bytes_per_second", 0.0), EmbeddedListener.tcp("bench", 2045));
        if (factory.open(3600, true).window() == null) {
            throw new IllegalStateException("window did not open");
        }
        filter = Harness.chain(factory, EmbeddedListener.tcp("bench", 2045)).read.get(0);
        filter.onNewConnection();                    // admitted now, at stream offset 0
    }

    /** Untimed: the writer empties the queue before each batch. */
    @Setup(Level.Invocation)
    public void drain() throws InterruptedException {
        harness.awaitWriters();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void onData() {
        IoBuffer b = buffer;
        byte[] p = payload;
        ReadFilter f = filter;
        for (int i = 0; i < BATCH; i++) {
            b.append(p, 0, p.length);
            f.onData(b);
            b.drain(b.length());
        }
        reads += BATCH;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        harness.awaitWriters();
        var st = factory.stats();
        long abandoned = 0;
        for (ShedReason r : ShedReason.values()) {
            abandoned += st.abandonedCount(r);
        }
        System.out.printf("%n[tcpcopy] captured reads, size %d: reads %d, records queued %d, taken by the writer %d, "
                + "captures abandoned %d%n", size, reads, st.capturedRecords(), st.writtenRecords(), abandoned);
        harness.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        if (abandoned > 0 || st.capturedRecords() != reads + 1) {
            throw new IllegalStateException("the capture did not last the whole trial: the figure is not the cost of "
                    + "captured reads");
        }
    }
}
