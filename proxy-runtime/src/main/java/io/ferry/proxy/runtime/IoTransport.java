package io.ferry.proxy.runtime;

import io.ferry.proxy.cluster.UpstreamChannels;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.IntegerUnixChannelOption;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;

/**
 * The Netty transport the runtime runs on: native epoll where it loads, NIO otherwise (or when asked for). Holds the
 * event-loop factory and the channel types for TCP and unix-domain sockets, server and client side.
 */
public enum IoTransport implements UpstreamChannels {

    /** Linux native epoll (edge-triggered, fewer syscalls and no selector garbage). */
    EPOLL {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return new KeepRegisteredEpoll();
        }

        @Override
        ChannelFactory<? extends ServerChannel> tcpServer() {
            return EpollServerSocketChannel::new;
        }

        @Override
        ChannelFactory<? extends ServerChannel> unixServer() {
            return EpollServerDomainSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends Channel> tcp() {
            return EpollSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends Channel> unix() {
            return EpollDomainSocketChannel::new;
        }

        @Override
        public SocketAddress unixAddress(String path) {
            return new DomainSocketAddress(path);
        }

        @Override
        public String markUnsupported(int mark) {
            EpollSocketChannel probe = new EpollSocketChannel();
            try {
                probe.config().setOption(new IntegerUnixChannelOption("SO_MARK", 1, 36), mark);
                return null;
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                return "setting it failed (" + cause.getMessage() + "; it needs CAP_NET_ADMIN, e.g. running as root)";
            } finally {
                probe.unsafe().closeForcibly();
            }
        }
    },

    /** Java NIO, portable. */
    NIO {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        ChannelFactory<? extends ServerChannel> tcpServer() {
            return NioServerSocketChannel::new;
        }

        @Override
        ChannelFactory<? extends ServerChannel> unixServer() {
            return NioUnixServerChannel::new;
        }

        @Override
        public ChannelFactory<? extends Channel> tcp() {
            return NioSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends Channel> unix() {
            return NioUnixChannel::new;
        }

        @Override
        public SocketAddress unixAddress(String path) {
            return UnixDomainSocketAddress.of(path);
        }

        @Override
        public String markUnsupported(int mark) {
            return "SO_MARK needs the native epoll transport (Linux), and this runtime runs on NIO"
                    + " (-Dferry.transport=nio, or epoll does not load here)";
        }
    };

    abstract IoHandlerFactory ioHandlerFactory();

    abstract ChannelFactory<? extends ServerChannel> tcpServer();

    abstract ChannelFactory<? extends ServerChannel> unixServer();

    /** A group of {@code threads} event loops of this transport. */
    EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, ioHandlerFactory());
    }

    /**
     * The transport for {@code preference}: {@code "epoll"} (fails if it does not load), {@code "nio"}, or
     * {@code "auto"} (epoll where available, else NIO).
     *
     * @throws IllegalArgumentException for another preference, or epoll asked for where it does not load
     */
    public static IoTransport select(String preference) {
        String p = preference == null ? "auto" : preference.toLowerCase(Locale.ROOT);
        switch (p) {
            case "auto":
                return Epoll.isAvailable() ? EPOLL : NIO;
            case "nio":
                return NIO;
            case "epoll":
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("the native epoll transport does not load here: "
                            + Epoll.unavailabilityCause());
                }
                return EPOLL;
            default:
                throw new IllegalArgumentException("transport: \"" + preference
                        + "\" (expected: \"auto\", \"epoll\" or \"nio\")");
        }
    }

    /** A Java socket address for what a channel reports: Netty's {@link DomainSocketAddress} becomes a JDK one. */
    static SocketAddress toJdk(SocketAddress address) {
        if (address instanceof DomainSocketAddress d) {
            return UnixDomainSocketAddress.of(d.path());
        }
        return address;
    }
}
