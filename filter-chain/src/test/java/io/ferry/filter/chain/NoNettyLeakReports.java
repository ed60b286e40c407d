package io.ferry.filter.chain;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fails a test class if Netty's leak detector (run at PARANOID by the surefire configuration) reported a leak while
 * it ran. After the class, it collects garbage and allocates a tracked buffer, which makes the detector report what it
 * found. This backs up the deterministic {@link TrackingByteBufAllocator} check; it can miss a leak the collector has
 * not found yet, but never reports one that is not there.
 */
final class NoNettyLeakReports implements BeforeAllCallback, AfterAllCallback {

    /** Its buffers are leak-aware, so allocating one makes the detector report what it collected. */
    private static final TrackingByteBufAllocator PROBE_ALLOC = new TrackingByteBufAllocator();

    private final ListAppender<ILoggingEvent> reports = new ListAppender<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(),
                "tests run with -Dio.netty.leakDetection.level=paranoid");
        reports.start();
        ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).addAppender(reports);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
            ByteBuf probe = PROBE_ALLOC.heapBuffer(8);
            probe.release();
        }
        ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).detachAppender(reports);
        List<String> leaks = reports.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("LEAK")).collect(Collectors.toList());
        assertTrue(leaks.isEmpty(), "Netty's leak detector reported: " + leaks);
    }
}
