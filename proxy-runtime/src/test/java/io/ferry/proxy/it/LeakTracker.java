package io.ferry.proxy.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records Netty's leak reports so that a test fails on a leaked buffer instead of only logging it. Installed before
 * the first buffer class is initialised (surefire sets the detection level to paranoid).
 */
final class LeakTracker {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                        long maxActive) {
                return new ResourceLeakDetector<>(resource, samplingInterval) {
                    @Override
                    protected void reportTracedLeak(String resourceType, String records) {
                        LEAKS.add(resourceType + records);
                        super.reportTracedLeak(resourceType, records);
                    }

                    @Override
                    protected void reportUntracedLeak(String resourceType) {
                        LEAKS.add(resourceType);
                        super.reportUntracedLeak(resourceType);
                    }
                };
            }
        });
    }

    private LeakTracker() {
    }

    /** Loads this class (and so installs the factory). */
    static void install() {
    }

    /** Collects garbage, lets the detector run, and fails if any leak was reported. */
    static void assertNoLeaks() throws Exception {
        Field f = Class.forName("io.netty.buffer.AbstractByteBuf").getDeclaredField("leakDetector");
        f.setAccessible(true);
        String detector = f.get(null).getClass().getName();
        assertTrue(detector.startsWith(LeakTracker.class.getName() + "$"),
                "the buffers' leak detector is the tracker's (installed before the first buffer class loaded): "
                        + detector);
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            for (int j = 0; j < 64; j++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.buffer(16);
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.buffer(16);
                a.release();
                b.release();
            }
        }
        assertEquals(List.of(), List.copyOf(LEAKS), "leaked buffers");
    }
}
