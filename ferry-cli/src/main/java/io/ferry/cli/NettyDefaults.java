package io.ferry.cli;

import java.util.Properties;

/**
 * The Netty settings the {@code ferry} command chooses before Netty is first used, each only when the user has not
 * set it (a {@code -D} flag in {@code FERRY_JAVA_OPTS} always wins).
 *
 * <ul>
 *   <li>{@code io.netty.allocator.lowMemory=false}. Netty's buffer allocator turns to a low-memory mode in any JVM
 *       whose maximum heap is 512 MiB or less (a sidecar's container of 2 GiB or less gets that heap by default). In
 *       that mode a buffer above 16 KiB is not pooled: each socket read of a busy connection (up to 128 KiB) takes a
 *       fresh allocation, zeroed and freed again. On the load harness's stream with a 256 MiB heap this more than
 *       doubled the proxy's own CPU per byte (docs/benchmarks.md, "Netty's allocator in low-memory mode"). The proxy's memory stays
 *       bounded without it: what a connection holds is bounded by the write high-water mark and one read, whichever
 *       mode the allocator is in.</li>
 * </ul>
 *
 * <p>Called first thing in {@link Main#main}: Netty reads these properties once, when its allocator class is
 * initialized, so a later call would change nothing.
 */
final class NettyDefaults {

    static final String LOW_MEMORY = "io.netty.allocator.lowMemory";

    private NettyDefaults() {
    }

    /** Sets each default in {@code properties} that is not set there already. */
    static void apply(Properties properties) {
        if (properties.getProperty(LOW_MEMORY) == null) {
            properties.setProperty(LOW_MEMORY, "false");
        }
    }
}
