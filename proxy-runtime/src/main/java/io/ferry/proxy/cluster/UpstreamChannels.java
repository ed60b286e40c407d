package io.ferry.proxy.cluster;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;

import java.net.SocketAddress;

/**
 * How the runtime's transport (native epoll or NIO) opens client channels: the cluster manager stays independent of
 * which one loaded.
 */
public interface UpstreamChannels {

    /** A factory of TCP client channels of the runtime's transport. */
    ChannelFactory<? extends Channel> tcp();

    /** A factory of unix-domain client channels of the runtime's transport. */
    ChannelFactory<? extends Channel> unix();

    /** The transport's socket address for the unix socket at {@code path}. */
    SocketAddress unixAddress(String path);

    /**
     * Null when upstream sockets can be given {@code SO_MARK} {@code mark} here (tried on a fresh socket), else why
     * not: the transport has no native socket options, or the process lacks {@code CAP_NET_ADMIN}.
     */
    default String markUnsupported(int mark) {
        return "SO_MARK needs the native epoll transport (Linux); this one has no way to set it";
    }
}
