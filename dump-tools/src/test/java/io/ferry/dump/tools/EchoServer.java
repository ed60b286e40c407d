package io.ferry.dump.tools;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A loopback TCP server on Netty for replay tests and runs: answers every chunk it reads with {@code answer(chunk)}
 * and closes once the client has half-closed. Counts connections and the most open at once.
 *
 * <pre>
 * java -cp ... io.ferry.dump.tools.EchoServer PORT     # an echo server on 127.0.0.1:PORT until killed
 * </pre>
 */
public final class EchoServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel server;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();

    public EchoServer(int port, UnaryOperator<byte[]> answer) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("echo", true), NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.incrementAndGet();
                        maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        ch.pipeline().addLast(handler(answer));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
    }

    private static ChannelHandler handler(UnaryOperator<byte[]> answer) {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                if (answer == null) {
                    ctx.write(b);
                    return;
                }
                byte[] chunk = new byte[b.readableBytes()];
                b.readBytes(chunk);
                b.release();
                ctx.write(ctx.alloc().buffer().writeBytes(answer.apply(chunk)));
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(f -> ctx.close());
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        };
    }

    /** An echo server. */
    public static EchoServer echo() throws InterruptedException {
        return new EchoServer(0, null);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    public static void main(String[] args) throws Exception {
        EchoServer s = new EchoServer(Integer.parseInt(args[0]), null);
        System.out.println("echo server on " + s.address());
        Thread.currentThread().join();
    }
}
