package io.ferry.proxy.runtime;

import io.netty.channel.Channel;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tells when a channel has been idle for a timeout: no byte read, none written, and no progress in flushing what was
 * written (a slow reader that keeps taking bytes is not idle). One periodic task ticks four times per timeout; reads
 * and writes only set a flag ({@link #touch()}), so the data path reads no clock and allocates nothing. After four
 * consecutive ticks without activity the action runs once, on the channel's event loop: between one and one and a
 * quarter timeouts after the last activity. MOSN's idle checker works the same way.
 */
public final class IdleGuard implements Runnable {

    private static final int TICKS = 4;

    private final Channel channel;
    private final Runnable onIdle;
    private final ScheduledFuture<?> task;
    private boolean activity;
    private long lastPending = -1;
    private int idleTicks;

    private IdleGuard(Channel channel, long timeoutNanos, Runnable onIdle) {
        this.channel = channel;
        this.onIdle = onIdle;
        long tick = Math.max(1, timeoutNanos / TICKS);
        this.task = channel.eventLoop().scheduleAtFixedRate(this, tick, tick, TimeUnit.NANOSECONDS);
        channel.closeFuture().addListener(f -> task.cancel(false));
    }

    /**
     * Starts watching {@code channel}; {@code onIdle} runs once after {@code timeoutNanos} without activity. Returns
     * {@code null} (and watches nothing) when the timeout is 0 or the channel is already closed.
     */
    public static IdleGuard start(Channel channel, long timeoutNanos, Runnable onIdle) {
        if (timeoutNanos <= 0 || !channel.isOpen()) {
            return null;
        }
        return new IdleGuard(channel, timeoutNanos, onIdle);
    }

    /** A byte was read or written. Call on the event loop. */
    public void touch() {
        activity = true;
    }

    /** Stops watching. */
    public void cancel() {
        task.cancel(false);
    }

    @Override
    public void run() {
        long pending = ChannelSupport.pendingBytes(channel);
        if (activity || pending != lastPending) {
            activity = false;
            lastPending = pending;
            idleTicks = 0;
            return;
        }
        if (++idleTicks >= TICKS) {
            task.cancel(false);
            if (channel.isOpen()) {
                onIdle.run();
            }
        }
    }
}
