package io.ferry.proxy.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.AbstractNioByteChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannelConfig;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * A unix-domain stream socket on Java NIO that supports half-closure, which Netty's own
 * {@code NioDomainSocketChannel} (4.2.18) does not: its read loop honours {@code ALLOW_HALF_CLOSURE} only for a
 * {@link SocketChannelConfig}, which its config is not, so a peer's FIN closes the channel and fails every pending
 * write. Here the config is a {@link SocketChannelConfig}, so with {@link ChannelOption#ALLOW_HALF_CLOSURE} a FIN is
 * reported as {@code ChannelInputShutdownEvent} and the channel goes on writing. The TCP-only options of that
 * interface do not apply to a unix socket: their getters report the neutral value and their setters refuse.
 */
final class NioUnixChannel extends AbstractNioByteChannel implements DuplexChannel {

    private final Config config;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;

    /** A client channel (an upstream connection). */
    NioUnixChannel() {
        this(null, open());
    }

    /** A channel for a socket accepted by {@code parent}. */
    NioUnixChannel(Channel parent, SocketChannel socket) {
        super(parent, socket);
        this.config = new Config(this);
    }

    private static SocketChannel open() {
        try {
            return SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new ChannelException("could not open a unix-domain socket", e);
        }
    }

    @Override
    public SocketChannelConfig config() {
        return config;
    }

    @Override
    protected SocketChannel javaChannel() {
        return (SocketChannel) super.javaChannel();
    }

    @Override
    public boolean isActive() {
        SocketChannel ch = javaChannel();
        return ch.isOpen() && ch.isConnected();
    }

    @Override
    public boolean isInputShutdown() {
        return inputShutdown || !isActive();
    }

    @Override
    protected boolean isInputShutdown0() {
        return isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown || !isActive();
    }

    @Override
    public boolean isShutdown() {
        return isInputShutdown() && isOutputShutdown();
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        onLoop(() -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
        return promise;
    }

    @Override
    protected void doShutdownOutput() throws Exception {
        javaChannel().shutdownOutput();
        outputShutdown = true;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        onLoop(() -> {
            try {
                javaChannel().shutdownInput();
                inputShutdown = true;
                promise.setSuccess();
            } catch (Throwable t) {
                promise.setFailure(t);
            }
        });
        return promise;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        shutdownOutput().addListener(out -> shutdownInput().addListener(in -> {
            Throwable cause = out.cause() != null ? out.cause() : in.cause();
            if (cause == null) {
                promise.setSuccess();
            } else {
                promise.setFailure(cause);
            }
        }));
        return promise;
    }

    private void onLoop(Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
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
        try {
            return javaChannel().getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        javaChannel().bind(localAddress);
    }

    @Override
    protected boolean doConnect(SocketAddress remoteAddress, SocketAddress localAddress) throws Exception {
        if (localAddress != null) {
            doBind(localAddress);
        }
        boolean done = false;
        try {
            boolean connected = javaChannel().connect(remoteAddress);
            if (!connected) {
                selectionKey().interestOps(SelectionKey.OP_CONNECT);
            }
            done = true;
            return connected;
        } finally {
            if (!done) {
                doClose();
            }
        }
    }

    @Override
    protected void doFinishConnect() throws Exception {
        if (!javaChannel().finishConnect()) {
            throw new IOException("connecting to the unix socket did not finish");
        }
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            javaChannel().close();
        }
    }

    @Override
    protected int doReadBytes(ByteBuf buf) throws Exception {
        RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
        handle.attemptedBytesRead(buf.writableBytes());
        return buf.writeBytes(javaChannel(), handle.attemptedBytesRead());
    }

    @Override
    protected int doWriteBytes(ByteBuf buf) throws Exception {
        return buf.readBytes(javaChannel(), buf.readableBytes());
    }

    @Override
    protected long doWriteFileRegion(FileRegion region) throws Exception {
        return region.transferTo(javaChannel(), region.transferred());
    }

    /** The channel's options: Netty's generic ones, half-closure, and the socket buffer sizes. */
    private static final class Config extends DefaultChannelConfig implements SocketChannelConfig {
        private volatile boolean allowHalfClosure;

        Config(NioUnixChannel channel) {
            super(channel);
        }

        private SocketChannel socket() {
            return ((NioUnixChannel) channel).javaChannel();
        }

        @Override
        protected void autoReadCleared() {
            ((NioUnixChannel) channel).clearReadPending();
        }

        @Override
        public Map<ChannelOption<?>, Object> getOptions() {
            return getOptions(super.getOptions(), ChannelOption.ALLOW_HALF_CLOSURE, ChannelOption.SO_RCVBUF,
                    ChannelOption.SO_SNDBUF);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getOption(ChannelOption<T> option) {
            if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
                return (T) Boolean.valueOf(allowHalfClosure);
            }
            if (option == ChannelOption.SO_RCVBUF) {
                return (T) Integer.valueOf(getReceiveBufferSize());
            }
            if (option == ChannelOption.SO_SNDBUF) {
                return (T) Integer.valueOf(getSendBufferSize());
            }
            return super.getOption(option);
        }

        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            validate(option, value);
            if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
                allowHalfClosure = (Boolean) value;
            } else if (option == ChannelOption.SO_RCVBUF) {
                setReceiveBufferSize((Integer) value);
            } else if (option == ChannelOption.SO_SNDBUF) {
                setSendBufferSize((Integer) value);
            } else {
                return super.setOption(option, value);
            }
            return true;
        }

        @Override
        public boolean isAllowHalfClosure() {
            return allowHalfClosure;
        }

        @Override
        public Config setAllowHalfClosure(boolean value) {
            allowHalfClosure = value;
            return this;
        }

        @Override
        public int getReceiveBufferSize() {
            try {
                return socket().getOption(StandardSocketOptions.SO_RCVBUF);
            } catch (IOException e) {
                throw new ChannelException(e);
            }
        }

        @Override
        public Config setReceiveBufferSize(int size) {
            try {
                socket().setOption(StandardSocketOptions.SO_RCVBUF, size);
            } catch (IOException e) {
                throw new ChannelException(e);
            }
            return this;
        }

        @Override
        public int getSendBufferSize() {
            try {
                return socket().getOption(StandardSocketOptions.SO_SNDBUF);
            } catch (IOException e) {
                throw new ChannelException(e);
            }
        }

        @Override
        public Config setSendBufferSize(int size) {
            try {
                socket().setOption(StandardSocketOptions.SO_SNDBUF, size);
            } catch (IOException e) {
                throw new ChannelException(e);
            }
            return this;
        }

        private static UnsupportedOperationException tcpOnly(String option) {
            return new UnsupportedOperationException(option + " is a TCP option; it does not apply to a unix-domain "
                    + "socket");
        }

        @Override
        public boolean isTcpNoDelay() {
            return false;
        }

        @Override
        public Config setTcpNoDelay(boolean value) {
            throw tcpOnly("TCP_NODELAY");
        }

        @Override
        public int getSoLinger() {
            return -1;
        }

        @Override
        public Config setSoLinger(int value) {
            throw tcpOnly("SO_LINGER");
        }

        @Override
        public boolean isKeepAlive() {
            return false;
        }

        @Override
        public Config setKeepAlive(boolean value) {
            throw tcpOnly("SO_KEEPALIVE");
        }

        @Override
        public int getTrafficClass() {
            return 0;
        }

        @Override
        public Config setTrafficClass(int value) {
            throw tcpOnly("IP_TOS");
        }

        @Override
        public boolean isReuseAddress() {
            return false;
        }

        @Override
        public Config setReuseAddress(boolean value) {
            throw tcpOnly("SO_REUSEADDR");
        }

        @Override
        public Config setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
            throw tcpOnly("performance preferences");
        }

        @Override
        public Config setConnectTimeoutMillis(int value) {
            super.setConnectTimeoutMillis(value);
            return this;
        }

        @Override
        @Deprecated
        public Config setMaxMessagesPerRead(int value) {
            super.setMaxMessagesPerRead(value);
            return this;
        }

        @Override
        public Config setWriteSpinCount(int value) {
            super.setWriteSpinCount(value);
            return this;
        }

        @Override
        public Config setAllocator(ByteBufAllocator value) {
            super.setAllocator(value);
            return this;
        }

        @Override
        public Config setRecvByteBufAllocator(RecvByteBufAllocator value) {
            super.setRecvByteBufAllocator(value);
            return this;
        }

        @Override
        public Config setAutoRead(boolean value) {
            super.setAutoRead(value);
            return this;
        }

        @Override
        public Config setAutoClose(boolean value) {
            super.setAutoClose(value);
            return this;
        }

        @Override
        public Config setMessageSizeEstimator(MessageSizeEstimator value) {
            super.setMessageSizeEstimator(value);
            return this;
        }

        @Override
        public Config setWriteBufferWaterMark(WriteBufferWaterMark value) {
            super.setWriteBufferWaterMark(value);
            return this;
        }
    }
}
