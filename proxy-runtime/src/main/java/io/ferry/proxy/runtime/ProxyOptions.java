package io.ferry.proxy.runtime;

import io.ferry.filter.api.spi.FilterScheduler;

/**
 * Runtime settings that are not part of MOSN's config file.
 *
 * @param transport          {@code "auto"} (native epoll where it loads, else NIO), {@code "epoll"} or {@code "nio"};
 *                           the system property {@code ferry.transport} sets the default
 * @param ioThreads          the number of event loops; 0 = one per available processor (the system property
 *                           {@code ferry.io.threads} sets the default)
 * @param writeLowWaterMark  bytes queued on a socket below which it is writable again (reading on the other side
 *                           resumes)
 * @param writeHighWaterMark bytes queued on a socket above which it is unwritable (reading on the other side stops);
 *                           with one read in flight, this bounds the memory a proxied connection holds per direction
 * @param scheduler          the filters' scheduler, or {@code null} for the runtime's own timer thread
 */
public record ProxyOptions(String transport, int ioThreads, int writeLowWaterMark, int writeHighWaterMark,
                           FilterScheduler scheduler) {

    public ProxyOptions {
        if (ioThreads < 0) {
            throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: 0 for automatic, or more)");
        }
        if (writeLowWaterMark <= 0 || writeHighWaterMark < writeLowWaterMark) {
            throw new IllegalArgumentException("write water marks: " + writeLowWaterMark + "/" + writeHighWaterMark
                    + " (expected: 0 < low <= high)");
        }
    }

    /** The defaults: automatic transport and threads, 64 KiB / 128 KiB water marks, the runtime's timer. */
    public static ProxyOptions defaults() {
        return new ProxyOptions(System.getProperty("ferry.transport", "auto"),
                Integer.getInteger("ferry.io.threads", 0), 64 * 1024, 128 * 1024, null);
    }

    public ProxyOptions withTransport(String value) {
        return new ProxyOptions(value, ioThreads, writeLowWaterMark, writeHighWaterMark, scheduler);
    }

    public ProxyOptions withIoThreads(int value) {
        return new ProxyOptions(transport, value, writeLowWaterMark, writeHighWaterMark, scheduler);
    }

    public ProxyOptions withWriteWaterMarks(int low, int high) {
        return new ProxyOptions(transport, ioThreads, low, high, scheduler);
    }

    public ProxyOptions withScheduler(FilterScheduler value) {
        return new ProxyOptions(transport, ioThreads, writeLowWaterMark, writeHighWaterMark, value);
    }
}
