package io.ferry.filter.chain;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An allocator for tests and harnesses that finds leaks deterministically: it counts the buffers it allocates and the
 * ones that were deallocated (reference count down to zero), so {@link #describeLeaks()} reports a buffer that was
 * never released without waiting for the garbage collector. Freed memory is overwritten with {@link #POISON} bytes,
 * so code that kept a buffer past its release reads garbage rather than plausible data. Buffers are heap buffers
 * (also for {@code directBuffer()}), by default also watched by Netty's leak detector at its configured level, so at
 * {@code -Dio.netty.leakDetection.level=paranoid} Netty also reports where a leaked buffer was last touched.
 *
 * <p>Thread-safe. Not for production.
 */
public final class TrackingByteBufAllocator extends AbstractByteBufAllocator {

    /** The byte freed memory is filled with. */
    public static final byte POISON = (byte) 0xEE;

    private final AtomicInteger allocated = new AtomicInteger();
    private final AtomicInteger deallocated = new AtomicInteger();
    private final List<WeakReference<ByteBuf>> buffers = new ArrayList<>();
    private final List<ByteBuf> external = new ArrayList<>();

    private final boolean leakDetector;

    /** An allocator whose buffers Netty's leak detector also watches, at its configured level. */
    public TrackingByteBufAllocator() {
        this(true);
    }

    /**
     * @param leakDetector whether Netty's leak detector also watches the buffers. At the {@code paranoid} level it
     *                     records a stack trace on every access, which makes byte-by-byte reading of large buffers
     *                     slow; the counting done here needs no detector
     */
    public TrackingByteBufAllocator(boolean leakDetector) {
        super(false);
        this.leakDetector = leakDetector;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buf = new CountingHeapByteBuf(this, initialCapacity, maxCapacity);
        allocated.incrementAndGet();
        synchronized (buffers) {
            buffers.add(new WeakReference<>(buf));
        }
        return leakDetector ? toLeakAwareBuffer(buf) : buf;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /**
     * Also watches {@code buf}, a buffer allocated elsewhere (for example by {@code Unpooled.wrappedBuffer}): it
     * counts as leaked while its reference count is above zero. Keeps {@code buf} reachable.
     */
    public ByteBuf track(ByteBuf buf) {
        synchronized (external) {
            external.add(buf);
        }
        return buf;
    }

    /** How many buffers were allocated or tracked. */
    public int allocations() {
        synchronized (external) {
            return allocated.get() + external.size();
        }
    }

    /** How many buffers are still referenced: allocated and not deallocated, or tracked with a count above zero. */
    public int leakCount() {
        int n = allocated.get() - deallocated.get();
        synchronized (external) {
            for (ByteBuf b : external) {
                if (b.refCnt() > 0) {
                    n++;
                }
            }
        }
        return n;
    }

    /** A one-line description of the leaks, or {@code null} if there are none. */
    public String describeLeaks() {
        int leaks = leakCount();
        if (leaks == 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder().append(leaks).append(" of ").append(allocations())
                .append(" buffers were not released");
        List<ByteBuf> reachable = new ArrayList<>();
        synchronized (buffers) {
            for (WeakReference<ByteBuf> r : buffers) {
                ByteBuf b = r.get();
                if (b != null && b.refCnt() > 0) {
                    reachable.add(b);
                }
            }
        }
        synchronized (external) {
            for (ByteBuf b : external) {
                if (b.refCnt() > 0) {
                    reachable.add(b);
                }
            }
        }
        for (int i = 0; i < reachable.size() && i < 10; i++) {
            ByteBuf b = reachable.get(i);
            sb.append(i == 0 ? ": " : ", ").append("[refCnt ").append(b.refCnt()).append(", ")
                    .append(b.readableBytes()).append(" readable]");
        }
        return sb.toString();
    }

    private final class CountingHeapByteBuf extends UnpooledHeapByteBuf {
        CountingHeapByteBuf(ByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
            super(alloc, initialCapacity, maxCapacity);
        }

        @Override
        protected void freeArray(byte[] array) {
            Arrays.fill(array, POISON);
        }

        @Override
        protected void deallocate() {
            super.deallocate();
            deallocated.incrementAndGet();
        }
    }
}
