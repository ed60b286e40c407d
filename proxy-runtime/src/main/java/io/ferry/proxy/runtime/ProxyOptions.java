package io.ferry.proxy.runtime;

import io.ferry.proxy.cluster.HostResolver;
import io.ferry.filter.api.spi.FilterScheduler;

/**
 * Runtime settings that are not part of MOSN's config file. The defaults can be changed with system properties
 * ({@code -Dferry.transport=nio}, ...), which the benchmark uses to compare settings without rebuilding.
 *
 * @param transport          {@code "auto"} (native epoll where it loads, else NIO), {@code "epoll"} or {@code "nio"};
 *                           property {@code ferry.transport}
 * @param ioThreads          the number of event loops; 0 = one per available processor; property
 *                           {@code ferry.io.threads}
 * @param writeLowWaterMark  bytes queued on a socket below which it is writable again (reading on the other side
 *                           resumes); property {@code ferry.write.low}
 * @param writeHighWaterMark bytes queued on a socket above which it is unwritable (reading on the other side stops);
 *                           property {@code ferry.write.high}
 * @param readBufferMax      the largest buffer one socket read fills (reads adapt between 64 bytes and this);
 *                           property {@code ferry.read.max}. With the high-water mark it bounds the memory a proxied
 *                           connection holds per direction: at most {@code writeHighWaterMark + readBufferMax}.
 * @param scheduler          the filters' scheduler, or {@code null} for the runtime's own timer thread
 * @param resolver           resolves the host names of clusters (STRICT_DNS ones again every
 *                           {@code dns_refresh_rate}), or {@code null} for the system's resolver
 */
public record ProxyOptions(String transport, int ioThreads, int writeLowWaterMark, int writeHighWaterMark,
                           int readBufferMax, FilterScheduler scheduler, HostResolver resolver) {

    public ProxyOptions(String transport, int ioThreads, int writeLowWaterMark, int writeHighWaterMark,
                        int readBufferMax, FilterScheduler scheduler) {
        this(transport, ioThreads, writeLowWaterMark, writeHighWaterMark, readBufferMax, scheduler, null);
    }

    public ProxyOptions {
        if (ioThreads < 0) {
            throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: 0 for automatic, or more)");
        }
        if (writeLowWaterMark <= 0 || writeHighWaterMark < writeLowWaterMark) {
            throw new IllegalArgumentException("write water marks: " + writeLowWaterMark + "/" + writeHighWaterMark
                    + " (expected: 0 < low <= high)");
        }
        if (readBufferMax < 1024) {
            throw new IllegalArgumentException("readBufferMax: " + readBufferMax + " (expected: 1024 or more)");
        }
    }

    /**
     * The defaults: automatic transport and threads, 128 KiB / 256 KiB water marks, reads of up to 128 KiB, the
     * runtime's timer.
     */
    public static ProxyOptions defaults() {
        return new ProxyOptions(System.getProperty("ferry.transport", "auto"),
                Integer.getInteger("ferry.io.threads", 0),
                Integer.getInteger("ferry.write.low", 128 * 1024),
                Integer.getInteger("ferry.write.high", 256 * 1024),
                Integer.getInteger("ferry.read.max", 128 * 1024), null);
    }

    public ProxyOptions withTransport(String value) {
        return new ProxyOptions(value, ioThreads, writeLowWaterMark, writeHighWaterMark, readBufferMax, scheduler, resolver);
    }

    public ProxyOptions withIoThreads(int value) {
        return new ProxyOptions(transport, value, writeLowWaterMark, writeHighWaterMark, readBufferMax, scheduler, resolver);
    }

    public ProxyOptions withWriteWaterMarks(int low, int high) {
        return new ProxyOptions(transport, ioThreads, low, high, readBufferMax, scheduler, resolver);
    }

    public ProxyOptions withReadBufferMax(int value) {
        return new ProxyOptions(transport, ioThreads, writeLowWaterMark, writeHighWaterMark, value, scheduler, resolver);
    }

    public ProxyOptions withScheduler(FilterScheduler value) {
        return new ProxyOptions(transport, ioThreads, writeLowWaterMark, writeHighWaterMark, readBufferMax, value,
                resolver);
    }

    public ProxyOptions withResolver(HostResolver value) {
        return new ProxyOptions(transport, ioThreads, writeLowWaterMark, writeHighWaterMark, readBufferMax, scheduler,
                value);
    }
}
