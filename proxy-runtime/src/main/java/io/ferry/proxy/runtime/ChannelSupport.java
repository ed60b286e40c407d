package io.ferry.proxy.runtime;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;

/**
 * How the runtime ends a channel's streams, shared by the downstream transport and the upstream connections.
 * Must be called on the channel's event loop. The rule (FILTER-CONTRACT.md R5.2 to R5.4): a FIN is sent only after
 * every byte written before it; a close that cannot deliver pending bytes resets the connection instead, so that a
 * truncated stream never reaches the peer looking complete.
 */
public final class ChannelSupport {

    private ChannelSupport() {
    }

    /**
     * Sends a FIN once everything written so far is on the wire (Netty's own {@code shutdownOutput} fails pending
     * writes, so it is chained after an empty write). Once both directions are shut down, the channel is closed.
     */
    public static void shutdownOutputAfterFlush(Channel channel) {
        shutdownOutputAfterFlush(channel, () -> {
            if (bothShutDown(channel)) {
                channel.close();
            }
        });
    }

    /**
     * Sends a FIN once everything written so far is on the wire, then runs {@code afterShutdown} (which decides
     * whether the channel is done); a failed write or shutdown closes the channel instead.
     */
    public static void shutdownOutputAfterFlush(Channel channel, Runnable afterShutdown) {
        if (!(channel instanceof DuplexChannel duplex)) {
            closeAfterFlush(channel, 0, null);
            return;
        }
        if (duplex.isOutputShutdown() || !channel.isActive()) {
            return;
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) written -> {
            if (!written.isSuccess()) {
                channel.close();
                return;
            }
            duplex.shutdownOutput().addListener((ChannelFutureListener) shut -> {
                if (!shut.isSuccess()) {
                    channel.close();
                } else {
                    afterShutdown.run();
                }
            });
        });
    }

    /**
     * Turns auto-read on or off. Turning it on for a channel whose input is already shut down does nothing: there is
     * nothing left to read.
     */
    public static void setAutoRead(Channel channel, boolean autoRead) {
        if (autoRead && channel instanceof DuplexChannel d && d.isInputShutdown()) {
            return;
        }
        channel.config().setAutoRead(autoRead);
    }

    /**
     * Closes {@code channel} (FIN) once everything written so far is on the wire. With {@code stallNanos} &gt; 0, a
     * flush that makes no progress for that long (the peer reads nothing) is abandoned: the channel is
     * {@linkplain #abort reset} and {@code onStall} runs.
     */
    public static void closeAfterFlush(Channel channel, long stallNanos, Runnable onStall) {
        if (!channel.isActive()) {
            channel.close();
            return;
        }
        guardStall(channel, stallNanos, onStall);
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Resets {@code channel} once everything written so far has been handed to the kernel: the peer gets as much of
     * the stream as it takes before the reset arrives (a reset discards what its kernel has not received), then
     * learns that the stream was cut (the other side of the proxied connection was reset). A stalled flush is
     * handled as in {@link #closeAfterFlush}.
     */
    public static void resetAfterFlush(Channel channel, long stallNanos, Runnable onStall) {
        if (!channel.isActive()) {
            channel.close();
            return;
        }
        guardStall(channel, stallNanos, onStall);
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> abort(channel));
    }

    private static void guardStall(Channel channel, long stallNanos, Runnable onStall) {
        IdleGuard.start(channel, stallNanos, () -> {
            abort(channel);
            if (onStall != null) {
                onStall.run();
            }
        });
    }

    /**
     * Closes {@code channel} at once, discarding what is pending. A TCP connection is reset (RST, by
     * {@code SO_LINGER} 0), so the peer cannot take the end of the stream for a complete one; a unix socket has no
     * reset and is simply closed.
     *
     * @return the number of pending bytes discarded
     */
    public static long abort(Channel channel) {
        long pending = pendingBytes(channel);
        if (channel instanceof SocketChannel && channel.isActive()) {
            try {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException e) {
                // the socket is already gone: closing is all that is left
            }
        }
        channel.close();
        return pending;
    }

    /** The bytes written to {@code channel} and not yet handed to the kernel. */
    public static long pendingBytes(Channel channel) {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** True when the channel's peer has sent its FIN and this side has sent its own. */
    public static boolean bothShutDown(Channel channel) {
        return channel instanceof DuplexChannel d && d.isInputShutdown() && d.isOutputShutdown();
    }
}
