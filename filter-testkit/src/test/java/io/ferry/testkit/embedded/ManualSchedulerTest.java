package io.ferry.testkit.embedded;

import io.ferry.filter.api.spi.FilterScheduler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
