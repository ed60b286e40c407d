package io.ferry.tcpcopy.dump;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Admission and shedding by connection, with a manual clock and no writer. */
class CaptureGateTest {

    static final long MIB = 1 << 20;
    final AtomicLong clock = new AtomicLong(1_000_000_000L);

    /** A captured connection that remembers being asked to give up. */
    static final class Conn implements CapturedConnection {
        final int id;
        ShedReason asked;

        Conn(int id) {
            this.id = id;
        }

        @Override
        public void requestAbandon(ShedReason reason) {
            asked = reason;
        }

        @Override
        public void abandonedByWriter(ShedReason reason) {
        }
    }

    @Test
    void byteBudgetStopsAdmissionsAtHalfShedsTheNewestPastThreeQuartersAndRefusesWhatDoesNotFit() {
        CaptureGate g = new CaptureGate(8 * MIB, 0, new RecordRing(1024), clock::get);
        List<Conn> conns = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            assertNull(g.admit());
            Conn c = new Conn(i);
            g.register(c);
            conns.add(c);
        }
        assertNull(g.reserve((int) (4 * MIB)));
        assertEquals(ShedReason.MEMORY, g.admit(), "past half the bytes: no new connection");
        assertNull(g.reserve((int) (2 * MIB)), "past three quarters a record still fits, but ...");
        assertEquals(ShedReason.MEMORY, conns.get(3).asked, "... the newest capture is asked to give up");
        assertNull(conns.get(0).asked);
        clock.addAndGet(CaptureGate.SHED_INTERVAL_NANOS);
        assertNull(g.reserve(1000));
        assertEquals(ShedReason.MEMORY, conns.get(2).asked, "then the next newest, one per interval");
        assertNull(conns.get(1).asked);
        assertEquals(ShedReason.MEMORY, g.reserve((int) (2 * MIB)), "a record that does not fit is refused");
        g.release(g.buffered());                      // the writer wrote them
        assertNull(g.admit(), "room again: admitted");
    }

    @Test
    void rateBudgetStopsAdmissionsBelowHalfABucketAndShedsWhenItIsSpent() {
        CaptureGate g = new CaptureGate(1L << 30, MIB, new RecordRing(1024), clock::get);   // bucket: 4 MiB
        Conn old = new Conn(1);
        Conn young = new Conn(2);
        g.register(old);
        g.register(young);
        assertNull(g.reserve((int) (3 * MIB)));
        assertEquals(ShedReason.RATE_LIMIT, g.admit());
        assertNull(g.reserve((int) (2 * MIB)), "in debt, still charged");
        assertEquals(ShedReason.RATE_LIMIT, young.asked);
        assertNull(old.asked);
        assertNull(g.reserve((int) (2 * MIB)));
        assertNull(g.reserve((int) MIB), "8 MiB charged: the bucket and one more");
        assertEquals(ShedReason.RATE_LIMIT, g.reserve(1), "one bucket of debt: refused");
        clock.addAndGet(10_000_000_000L);
        assertNull(g.admit(), "ten seconds later the bucket is full again");
    }

    @Test
    void theQueueKeepsAQuarterForTheRecordsThatEndCaptures() {
        RecordRing ring = new RecordRing(16);
        CaptureGate g = new CaptureGate(8 * MIB, 0, ring, clock::get);
        assertEquals(12, g.dataLimit());
        for (int i = 0; i < 7; i++) {
            ring.publish(ring.claim(g.dataLimit()));
        }
        assertEquals(ShedReason.QUEUE_FULL, g.admit(), "more than half the data share in use");
    }

    @Test
    void anUnhealthyDumpOrACongestedSinkAdmitsNothing() {
        CaptureGate g = new CaptureGate(8 * MIB, 0, new RecordRing(16), clock::get);
        g.health(ShedReason.IO_ERROR);
        assertEquals(ShedReason.IO_ERROR, g.admit());
        g.health(null);
        g.sinksCongested(true);
        assertEquals(ShedReason.SINK_SLOW, g.admit());
        g.sinksCongested(false);
        assertNull(g.admit());
    }
}
