package io.ferry.proxy.runtime;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;

/**
 * Half-close and flushing close on a Netty channel, shared by the downstream transport and {@code tcp_proxy}'s
 * upstream side. Must be called on the channel's event loop.
 */
public final class ChannelSupport {

    private ChannelSupport() {
    }

    /**
     * Sends a FIN once everything written so far is on the wire (Netty's own {@code shutdownOutput} fails pending
     * writes, so it is chained after an empty write). Once both directions are shut down, the channel is closed.
     */
    public static void shutdownOutputAfterFlush(Channel channel) {
        if (!(channel instanceof DuplexChannel duplex)) {
            closeAfterFlush(channel);
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
                if (!shut.isSuccess() || duplex.isInputShutdown()) {
                    channel.close();
                }
            });
        });
    }

    /**
     * Turns auto-read on or off. Turning it on for a channel whose input is already shut down does nothing: there is
     * nothing left to read, and the native transport may already have dropped the socket from its epoll set (re-arming
     * it would fail with {@code ENOENT}).
     */
    public static void setAutoRead(Channel channel, boolean autoRead) {
        if (autoRead && channel instanceof DuplexChannel d && d.isInputShutdown()) {
            return;
        }
        channel.config().setAutoRead(autoRead);
    }

    /** Closes {@code channel} once everything written so far is on the wire. */
    public static void closeAfterFlush(Channel channel) {
        if (!channel.isActive()) {
            channel.close();
            return;
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** True when the channel's peer has sent its FIN and this side has sent its own. */
    public static boolean bothShutDown(Channel channel) {
        return channel instanceof DuplexChannel d && d.isInputShutdown() && d.isOutputShutdown();
    }
}
