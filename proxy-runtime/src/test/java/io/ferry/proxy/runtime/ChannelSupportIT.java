package io.ferry.proxy.runtime;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the runtime ends a channel's stream (FILTER-CONTRACT.md R5.2, R5.4): a close after a flush that the peer never
 * takes is abandoned after the stall timeout with a reset, and a reset after a flush ends the peer's stream with a reset,
 * after a prefix of the bytes, never with an EOF.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChannelSupportIT {

    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static Channel connect(ServerSocket server) throws InterruptedException {
        return new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInboundHandlerAdapter())
                .connect(server.getLocalSocketAddress()).sync().channel();
    }

    @Test
    void aCloseAfterAFlushThePeerNeverTakesIsResetAfterTheStallTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setReceiveBufferSize(8 * 1024);
            Channel ch = connect(server);
            try (Socket peer = server.accept()) {
                ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[32 * 1024 * 1024]));   // far beyond the kernel's
                CountDownLatch stalled = new CountDownLatch(1);
                long start = System.nanoTime();
                ch.eventLoop().execute(() -> ChannelSupport.closeAfterFlush(ch, TimeUnit.MILLISECONDS.toNanos(400),
                        stalled::countDown));
                assertTrue(stalled.await(10, TimeUnit.SECONDS), "the stalled flush was never abandoned");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms >= 400, "abandoned after " + ms + " ms, before the stall timeout");
                ch.closeFuture().sync();
                IOException e = assertThrows(IOException.class, () -> drain(peer.getInputStream()));
                assertTrue(e.getMessage().contains("reset"), "the peer sees a reset, not an EOF: " + e);
            }
        }
    }

    @Test
    void aResetAfterFlushHandsEveryPendingByteToTheKernelThenResets() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Channel ch = connect(server);
            try (Socket peer = server.accept()) {
                byte[] bytes = new byte[256 * 1024];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) (i * 31 + 7);
                }
                ch.write(Unpooled.wrappedBuffer(bytes));
                ch.eventLoop().execute(() -> ChannelSupport.resetAfterFlush(ch, 0, null));
                ch.closeFuture().sync();
                assertEquals(0, ChannelSupport.pendingBytes(ch));
                InputStream in = peer.getInputStream();
                int got = 0;
                byte[] buf = new byte[64 * 1024];
                IOException reset = null;
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        for (int i = 0; i < n; i++) {
                            assertEquals(bytes[got + i], buf[i], "byte " + (got + i));
                        }
                        got += n;
                    }
                } catch (IOException e) {
                    reset = e;
                }
                // A reset discards what the peer's kernel has not received yet: the peer gets a prefix, then the
                // reset, never an EOF.
                assertTrue(got <= bytes.length);
                assertTrue(reset != null && reset.getMessage().contains("reset"), "after " + got + " B a reset, not "
                        + "an EOF: " + reset);
            }
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
        }
        return total;
    }
}
