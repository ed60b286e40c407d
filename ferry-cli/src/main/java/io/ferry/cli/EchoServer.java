package io.ferry.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A TCP echo server for the demo and for trying Ferry by hand: every byte received is written back, in order. When
 * the client shuts down its write side (half-close), the server flushes what it has and then shuts down its own write
 * side, so the client receives everything before EOF. A client that does not read stops the server reading from it
 * (back-pressure), so memory stays bounded.
 *
 * <p>Runs on its own single Netty event-loop thread, {@code ferry-echo}. {@link #start} and {@link #close} are
 * thread-safe.
 *
 * <pre>
 * java -cp ferry-cli/target/ferry.jar io.ferry.cli.EchoServer 127.0.0.1:2046
 * </pre>
 */
public final class EchoServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel channel;

    private EchoServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Listens on {@code address} (use port 0 for an ephemeral port).
     *
     * @throws IOException if the address cannot be bound; the message names it
     */
    public static EchoServer start(InetSocketAddress address) throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "ferry-echo");
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new Echo());
                        }
                    })
                    .bind(address).sync().channel();
            return new EchoServer(group, ch);
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("echo server: cannot listen on " + hostPort(address) + ": " + e.getMessage(), e);
        }
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Stops listening and closes every connection. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** {@code EchoServer [host:]port}: runs until killed. */
    public static void main(String[] args) throws Exception {
        String spec = args.length == 0 ? "127.0.0.1:2046" : args[0];
        int colon = spec.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : spec.substring(0, colon);
        int port = Integer.parseInt(colon < 0 ? spec : spec.substring(colon + 1));
        EchoServer echo = start(new InetSocketAddress(host, port));
        System.out.println("echo server listening on " + hostPort(echo.address()));
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(echo::close, "ferry-echo-shutdown"));
        forever.await();
    }

    /** {@code 127.0.0.1:2046}: the numeric address when there is one, then the port. */
    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static final class Echo extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f ->
                        ((SocketChannel) ctx.channel()).shutdownOutput().addListener(done -> ctx.close()));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
