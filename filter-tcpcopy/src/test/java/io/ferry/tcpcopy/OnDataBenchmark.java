package io.ferry.tcpcopy;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.tcpcopy.dump.DumpWriter;
import io.ferry.testkit.embedded.EmbeddedListener;
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
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The cost of tcpcopy's {@code onData} per call, as the chain calls it before {@code tcp_proxy}: every invocation
 * appends {@code size} bytes to the connection's buffer, runs the filter, and drains the buffer (what tcp_proxy does).
 * {@code none} is the same loop with a filter that only returns CONTINUE: the "no filter" baseline. {@code inside}
 * runs with a window open: the filter copies every byte and queues a record, which the writer thread takes off the
 * queue and discards, so that the figure is the data path's cost apart from the disk (the disk's rate is
 * {@link WriterBenchmark}'s), with the capture budget off ({@code max_bytes_per_second: 0}). {@code budget} is
 * {@code inside} with a capture budget of 4 MiB/s: almost every record is refused as {@code rate_limit},
 * the cost of sampling a listener far above the budget. Dropped records are counted and printed after each trial.
 *
 * <p>The fork runs with a fixed, pre-touched 1 GiB heap, as a proxy is deployed: on a large default heap that was
 * never touched, every copy would also pay the kernel's first-touch page faults.
 *
 * <p>Not a test: run with {@code mvn -Pjmh} (see the module README).
 */
@State(Scope.Thread)
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OnDataBenchmark {

    @Param({"none", "off", "outside", "inside", "budget"})
    public String mode;

    @Param({"128", "16384"})
    public int size;

    private Harness harness;
    private Path dir;
    private ReadFilter filter;
    private IoBuffer buffer;
    private byte[] payload;
    private TcpCopyFactory factory;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        payload = new byte[size];
        ThreadLocalRandom.current().nextBytes(payload);
        buffer = IoBuffer.allocate(size * 2);
        if (mode.equals("none")) {
            filter = b -> FilterStatus.CONTINUE;
            return;
        }
        harness = new Harness(new TcpCopyProvider(new TcpCopy(new Fakes.Readings(), () -> DumpWriter::discarding)));
        dir = Files.createTempDirectory("tcpcopy-bench");
        String sw = mode.equals("off") ? "OFF" : "ON";
        factory = harness.create(Harness.config(Fakes.strategy(sw, 3600, 3599, 99, 99), dir,
                "max_total_size", (double) (256 << 20), "max_bytes_per_second",
                mode.equals("budget") ? (double) (4 << 20) : 0.0), EmbeddedListener.tcp("bench", 2045));
        filter = Harness.chain(factory, EmbeddedListener.tcp("bench", 2045)).read.get(0);
        if (mode.equals("inside") || mode.equals("budget")) {
            if (factory.open(3600, true).window() == null) {
                throw new IllegalStateException("window did not open");
            }
        }
    }

    @Benchmark
    public FilterStatus onData() {
        IoBuffer b = buffer;
        b.append(payload, 0, payload.length);
        FilterStatus s = filter.onData(b);
        b.drain(b.length());
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (harness == null) {
            return;
        }
        if (mode.equals("inside") || mode.equals("budget")) {
            var st = factory.stats();
            System.out.printf("%n[tcpcopy] %s size %d: queued %d, taken by the writer %d, captures abandoned: "
                            + "memory %d, rate_limit %d, queue_full %d%n", mode, size, st.capturedRecords(),
                    st.writtenRecords(), st.abandonedCount(io.ferry.tcpcopy.dump.ShedReason.MEMORY),
                    st.abandonedCount(io.ferry.tcpcopy.dump.ShedReason.RATE_LIMIT),
                    st.abandonedCount(io.ferry.tcpcopy.dump.ShedReason.QUEUE_FULL));
        }
        harness.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
