package io.ferry.testkit.embedded;

import io.ferry.filter.api.spi.FilterScheduler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ManualSchedulerTest {

    final ManualScheduler scheduler = new ManualScheduler(0);
    final List<String> ran = new ArrayList<>();

    void log(String what) {
        ran.add(what + "@" + scheduler.currentTimeMillis());
    }

    @Test
    void tasksScheduledByTasksRunInTheSameAdvanceWhenDue() {
        scheduler.schedule(() -> {
            log("first");
            scheduler.schedule(() -> log("chained"), 5, TimeUnit.MILLISECONDS);
            scheduler.schedule(() -> log("too late"), 100, TimeUnit.MILLISECONDS);
        }, 10, TimeUnit.MILLISECONDS);
        scheduler.advanceTimeBy(50, TimeUnit.MILLISECONDS);
        assertEquals(List.of("first@10", "chained@15"), ran);
        assertEquals(50, scheduler.currentTimeMillis());
        assertEquals(1, scheduler.pendingTasks());
    }

    @Test
    void fixedRateRunsOncePerPeriodAndStopsWhenCancelledFromItself() {
        AtomicReference<FilterScheduler.Cancellable> self = new AtomicReference<>();
        self.set(scheduler.scheduleAtFixedRate(() -> {
            log("tick");
            if (ran.size() == 3) {
                self.get().cancel();
            }
        }, 0, 1, TimeUnit.SECONDS));
        scheduler.runDueTasks();
        scheduler.advanceTimeBy(10, TimeUnit.SECONDS);
        assertEquals(List.of("tick@0", "tick@1000", "tick@2000"), ran);
        assertEquals(0, scheduler.pendingTasks());
    }

    @Test
    void sameDueTimeRunsInSchedulingOrderAndNanoTimeMovesWithIt() {
        long n0 = scheduler.nanoTime();
        scheduler.schedule(() -> log("a"), 1, TimeUnit.SECONDS);
        scheduler.schedule(() -> log("b"), 1000, TimeUnit.MILLISECONDS);
        scheduler.advanceTimeBy(1, TimeUnit.SECONDS);
        assertEquals(List.of("a@1000", "b@1000"), ran);
        assertEquals(TimeUnit.SECONDS.toNanos(1), scheduler.nanoTime() - n0);
        assertThrows(IllegalArgumentException.class, () -> scheduler.advanceTimeBy(-1, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class,
                () -> scheduler.scheduleAtFixedRate(() -> { }, 0, 0, TimeUnit.SECONDS));
    }

    @Test
    void tasksRunOnTheTimerThreadNeverTheCallersOneAtATimeAndFailuresReachTheCaller() {
        List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Boolean> onTimer = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            scheduler.schedule(() -> {
                threads.add(Thread.currentThread());
                onTimer.add(ManualScheduler.onTimerThread());
            }, i, TimeUnit.SECONDS);
        }
        scheduler.advanceTimeBy(5, TimeUnit.SECONDS);
        assertEquals(3, threads.size(), "advanceTimeBy returns after the tasks ran");
        for (Thread t : threads) {
            assertNotSame(Thread.currentThread(), t);
            assertTrue(t.getName().startsWith("ferry-testkit-timer-"), t.getName());
        }
        assertEquals(List.of(true, true, true), onTimer);
        assertFalse(ManualScheduler.onTimerThread());

        IllegalStateException boom = new IllegalStateException("boom");
        scheduler.schedule(() -> {
            throw boom;
        }, 1, TimeUnit.SECONDS);
        assertSame(boom, assertThrows(IllegalStateException.class,
                () -> scheduler.advanceTimeBy(1, TimeUnit.SECONDS)));
    }

    @Test
    void aTaskThatAdvancesTimeRunsTheTasksItMakesDueInline() {
        scheduler.schedule(() -> {
            scheduler.schedule(() -> log("inner"), 1, TimeUnit.SECONDS);
            scheduler.advanceTimeBy(2, TimeUnit.SECONDS);
            log("outer");
        }, 1, TimeUnit.SECONDS);
        scheduler.advanceTimeBy(1, TimeUnit.SECONDS);
        assertEquals(List.of("inner@2000", "outer@3000"), ran);
    }
}
