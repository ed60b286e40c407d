package io.ferry.proxy.runtime;

import io.netty.channel.ChannelException;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.ServerChannel;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.nio.AbstractNioMessageChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

/**
 * A listening unix-domain socket on Java NIO whose accepted connections are {@link NioUnixChannel}s (so they can be
 * half-closed). Supports {@link ChannelOption#SO_BACKLOG}; closing it removes the socket file it bound, unless another
 * file has taken its path since ({@link UnixSocketFiles}).
 */
final class NioUnixServerChannel extends AbstractNioMessageChannel implements ServerChannel {

    private static final Logger LOG = LoggerFactory.getLogger(NioUnixServerChannel.class);

    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    private final Config config = new Config(this);
    private volatile SocketAddress bound;
    /** The identity of the socket file this channel created, to remove only that one. */
    private volatile Object boundFile;

    NioUnixServerChannel() {
        super(null, open(), SelectionKey.OP_ACCEPT);
    }

    private static ServerSocketChannel open() {
        try {
            return ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new ChannelException("could not open a unix-domain server socket", e);
        }
    }

    @Override
    protected ServerSocketChannel javaChannel() {
        return (ServerSocketChannel) super.javaChannel();
    }

    @Override
    public DefaultChannelConfig config() {
        return config;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public boolean isActive() {
        return isOpen() && bound != null;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        javaChannel().bind(localAddress, config.backlog);
        bound = javaChannel().getLocalAddress();
        if (bound instanceof UnixDomainSocketAddress u) {
            boundFile = UnixSocketFiles.fileKey(u.getPath());
        }
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
        SocketChannel accepted = javaChannel().accept();
        if (accepted == null) {
            return 0;
        }
        try {
            buf.add(new NioUnixChannel(this, accepted));
            return 1;
        } catch (Throwable t) {
            LOG.warn("could not set up an accepted unix-domain connection, closing it", t);
            accepted.close();
            return 0;
        }
    }

    @Override
    protected void doClose() throws Exception {
        SocketAddress local = bound;
        try {
            javaChannel().close();
        } finally {
            if (local instanceof UnixDomainSocketAddress u && UnixSocketFiles.owned(u.getPath(), boundFile)) {
                Files.deleteIfExists(u.getPath());
            }
        }
    }

    @Override
    protected SocketAddress localAddress0() {
        try {
            return javaChannel().getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected boolean doConnect(SocketAddress remote, SocketAddress local) {
        throw new UnsupportedOperationException("a listening socket does not connect");
    }

    @Override
    protected void doFinishConnect() {
        throw new UnsupportedOperationException("a listening socket does not connect");
    }

    @Override
    protected void doDisconnect() {
        throw new UnsupportedOperationException("a listening socket does not disconnect");
    }

    @Override
    protected boolean doWriteMessage(Object msg, ChannelOutboundBuffer in) {
        throw new UnsupportedOperationException("a listening socket does not write");
    }

    /** Netty's generic options plus the accept backlog. */
    private static final class Config extends DefaultChannelConfig {
        private volatile int backlog = 128;

        Config(NioUnixServerChannel channel) {
            super(channel, new ServerChannelRecvByteBufAllocator());
        }

        @Override
        protected void autoReadCleared() {
            ((NioUnixServerChannel) channel).clearReadPending();
        }

        @Override
        public Map<ChannelOption<?>, Object> getOptions() {
            return getOptions(super.getOptions(), ChannelOption.SO_BACKLOG);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getOption(ChannelOption<T> option) {
            if (option == ChannelOption.SO_BACKLOG) {
                return (T) Integer.valueOf(backlog);
            }
            return super.getOption(option);
        }

        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            if (option == ChannelOption.SO_BACKLOG) {
                validate(option, value);
                int v = (Integer) value;
                if (v < 0) {
                    throw new IllegalArgumentException("SO_BACKLOG: " + v + " (expected: >= 0)");
                }
                backlog = v;
                return true;
            }
            return super.setOption(option, value);
        }
    }
}
