package io.ferry.filter.chain;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An allocator for tests and harnesses that finds leaks deterministically: it remembers every buffer it allocates
 * (and every buffer handed to {@link #track}), so {@link #leaks()} lists those whose reference count is still above
 * zero, without waiting for the garbage collector. Freed memory is overwritten with {@code 0xEE} bytes, so code that
 * kept a buffer past its release reads garbage rather than plausible data. Buffers are heap buffers (also for
 * {@code directBuffer()}); Netty's leak detector still wraps them when enabled.
 *
 * <p>Thread-safe. Not for production: it keeps every buffer reachable.
 */
public final class TrackingByteBufAllocator extends AbstractByteBufAllocator {

    /** The byte freed memory is filled with. */
    public static final byte POISON = (byte) 0xEE;

    private final List<ByteBuf> buffers = new ArrayList<>();

    public TrackingByteBufAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return track(new PoisoningHeapByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** Also watches {@code buf}, a buffer allocated elsewhere (for example by {@code Unpooled.wrappedBuffer}). */
    public ByteBuf track(ByteBuf buf) {
        synchronized (buffers) {
            buffers.add(buf);
        }
        return buf;
    }

    /** How many buffers were allocated or tracked. */
    public int allocations() {
        synchronized (buffers) {
            return buffers.size();
        }
    }

    /** The buffers whose reference count is still above zero. */
    public List<ByteBuf> leaks() {
        List<ByteBuf> leaked = new ArrayList<>();
        synchronized (buffers) {
            for (ByteBuf b : buffers) {
                if (b.refCnt() > 0) {
                    leaked.add(b);
                }
            }
        }
        return leaked;
    }

    /** A one-line description of the leaks, or {@code null} if there are none. */
    public String describeLeaks() {
        List<ByteBuf> leaked = leaks();
        if (leaked.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder().append(leaked.size()).append(" of ").append(allocations())
                .append(" buffers were not released:");
        for (int i = 0; i < leaked.size() && i < 10; i++) {
            ByteBuf b = leaked.get(i);
            sb.append(" [refCnt ").append(b.refCnt()).append(", ").append(b.readableBytes()).append(" readable]");
        }
        return sb.toString();
    }

    private static final class PoisoningHeapByteBuf extends UnpooledHeapByteBuf {
        PoisoningHeapByteBuf(ByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
            super(alloc, initialCapacity, maxCapacity);
        }

        @Override
        protected void freeArray(byte[] array) {
            Arrays.fill(array, POISON);
        }
    }
}
