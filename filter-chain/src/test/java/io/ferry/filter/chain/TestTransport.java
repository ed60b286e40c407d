package io.ferry.filter.chain;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** An in-memory transport whose event loop is the test thread; tasks run when the test calls runPending(). */
final class TestTransport implements Transport {

    final TrackingByteBufAllocator alloc = new TrackingByteBufAllocator();
    final Thread loop = Thread.currentThread();
    final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    final List<String> written = new ArrayList<>();
    final List<byte[]> writtenArrays = new ArrayList<>();
    /** The buffers written, by identity (released: compare, never read them). */
    final List<ByteBuf> writtenBuffers = new ArrayList<>();
    final List<Boolean> autoReadCalls = new ArrayList<>();
    ChainConnection connection;
    boolean outputShutdown;
    Boolean closedWithFlush;
    boolean reset;
    boolean writable = true;

    @Override
    public boolean inEventLoop() {
        return Thread.currentThread() == loop;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    void runPending() {
        for (Runnable r; (r = tasks.poll()) != null; ) {
            r.run();
        }
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    public SocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 2045);
    }

    @Override
    public SocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 50000);
    }

    @Override
    public void write(ByteBuf data) {
        alloc.track(data);
        writtenArrays.add(data.hasArray() ? data.array() : null);
        writtenBuffers.add(data);
        written.add(data.toString(StandardCharsets.ISO_8859_1));
        data.release();
    }

    @Override
    public void shutdownOutput() {
        outputShutdown = true;
    }

    @Override
    public void close(boolean flush) {
        if (closedWithFlush == null) {
            closedWithFlush = flush;
            tasks.add(() -> connection.onTransportClosed());
        }
    }

    @Override
    public void resetAfterFlush() {
        if (closedWithFlush == null) {
            closedWithFlush = true;
            reset = true;
            tasks.add(() -> connection.onTransportClosed());
        }
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        autoReadCalls.add(autoRead);
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    ByteBuf buf(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return alloc.buffer(b.length).writeBytes(b);
    }

    static String hex(ByteBuf b) {
        return ByteBufUtil.hexDump(b);
    }
}
