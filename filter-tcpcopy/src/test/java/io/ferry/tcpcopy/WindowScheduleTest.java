package io.ferry.tcpcopy;

import io.ferry.tcpcopy.config.Strategy;
import io.ferry.tcpcopy.config.Switch;
import io.ferry.testkit.embedded.EmbeddedListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowScheduleTest {

    @TempDir
    Path dir;
    final Harness h = new Harness();

    @AfterEach
    void close() {
        h.close();
    }

    private TcpCopyFactory on(double interval, double duration) throws Exception {
        return h.create(Harness.config(Fakes.strategy("ON", interval, duration, 80, 80), dir), EmbeddedListener.tcp("l1", 2045));
    }

    @Test
    void windowsOpenEveryIntervalExactlyAndLastDuration() throws Exception {
        TcpCopyFactory f = on(30, 5);
        Harness s = h;
        long start = s.currentTimeMillis();
        List<Long> openedAt = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 1; i <= 5; i++) {
            s.advance(30_000 - 1 - (i == 1 ? 0 : 5_000));
            assertNull(f.currentWindow(), "no window just before " + (30 * i) + " s");
            s.advance(1);
            Window w = f.currentWindow();
            assertNotNull(w, "window at " + (30 * i) + " s");
            openedAt.add(w.openedAtMillis() - start);
            ids.add(w.id());
            s.advance(5_000 - 1);
            assertNotNull(f.currentWindow(), "still open just before its duration ends");
            s.advance(1);
            assertNull(f.currentWindow(), "closed after 5 s");
        }
        assertEquals(List.of(30_000L, 60_000L, 90_000L, 120_000L, 150_000L), openedAt);
        assertEquals(5, ids.size(), "every window has a fresh id");
        assertEquals(5L, h.stats("tcpcopy.l1").get("windows_opened"));
    }

    @Test
    void switchOffOpensNothing() throws Exception {
        TcpCopyFactory f = h.create(Harness.config(null, dir), EmbeddedListener.tcp("l1", 2045));
        h.advanceSeconds(3600);
        assertNull(f.currentWindow());
        assertEquals(0L, h.stats("tcpcopy.l1").get("windows_opened"));
    }

    @Test
    void fuseBlocksAWindowAndTheNextOneOpensWhenLoadDrops() throws Exception {
        TcpCopyFactory f = on(30, 5);
        h.readings.cpu = 95;
        h.advanceSeconds(30);
        assertNull(f.currentWindow(), "cpu 95 >= 80 blows the fuse");
        assertEquals(1L, h.stats("tcpcopy.l1").get("windows_fused"));
        h.readings.cpu = 10;
        h.readings.mem = 80;
        h.advanceSeconds(30);
        assertNull(f.currentWindow(), "mem 80 is not < 80");
        h.readings.mem = 79.9;
        h.advanceSeconds(30);
        assertNotNull(f.currentWindow());
    }

    @Test
    void aWindowInProgressIsNotCutByLaterReadings() throws Exception {
        TcpCopyFactory f = on(30, 10);
        h.advanceSeconds(30);
        Window w = f.currentWindow();
        assertNotNull(w);
        h.readings.cpu = 99;
        h.advanceSeconds(9);
        assertEquals(w, f.currentWindow(), "the fuse is checked when a window opens, not during it");
    }

    @Test
    void failedMeasurementBlowsTheFuse() throws Exception {
        TcpCopyFactory f = on(30, 5);
        h.readings.fail = true;
        h.advanceSeconds(30);
        assertNull(f.currentWindow());
    }

    @Test
    void fuseIsSampledByTheTimerEverySecond() throws Exception {
        on(30, 5);
        int before = h.readings.taken.size();
        h.advanceSeconds(10);
        assertEquals(before + 10, h.readings.taken.size());
    }

    @Test
    void globalForceOffClosesTheWindowAndStopsTheSchedule() throws Exception {
        TcpCopyFactory f = on(30, 10);
        h.advanceSeconds(30);
        assertNotNull(f.currentWindow());
        h.provider.tcpCopy().updateGlobalStrategy(new Strategy(Switch.FORCE_OFF, 30, 1, 80, 70));
        assertNull(f.currentWindow());
        h.advanceSeconds(600);
        assertNull(f.currentWindow());
        h.provider.tcpCopy().updateGlobalStrategy(Strategy.DEFAULT);
        h.advanceSeconds(30);
        assertNotNull(f.currentWindow(), "app ON applies again once global is no longer FORCE_OFF");
    }

    @Test
    void intervalChangeTakesEffectAtOnce() throws Exception {
        TcpCopyFactory f = on(3600, 5);
        h.advanceSeconds(100);
        f.updateAppStrategy(new Strategy(Switch.ON, 60, 5, 80, 80));
        h.advanceSeconds(59);
        assertNull(f.currentWindow());
        h.advanceSeconds(1);
        assertNotNull(f.currentWindow());
    }

    @Test
    void globalOnDrivesListenersWhoseAppSwitchIsOff() throws Exception {
        TcpCopyFactory f = h.create(Harness.config(Fakes.strategy("OFF", 30, 1, 80, 80), dir), EmbeddedListener.tcp("l1", 2045));
        h.provider.tcpCopy().updateGlobalStrategy(new Strategy(Switch.ON, 120, 7, 80, 80));
        h.advanceSeconds(119);
        assertNull(f.currentWindow());
        h.advanceSeconds(1);
        Window w = f.currentWindow();
        assertNotNull(w);
        assertEquals(7, w.durationSeconds());
    }

    @Test
    void strategiesArePerListener() throws Exception {
        TcpCopyFactory a = h.create(Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir), EmbeddedListener.tcp("a", 1001));
        TcpCopyFactory b = h.create(Harness.config(Fakes.strategy("ON", 45, 5, 80, 80), dir), EmbeddedListener.tcp("b", 1002));
        h.advanceSeconds(30);
        assertNotNull(a.currentWindow());
        assertNull(b.currentWindow(), "the last listener parsed does not win (Layotto defect 11)");
        h.advanceSeconds(15);
        assertNotNull(b.currentWindow());
        assertEquals(30, a.appStrategy().interval());
        assertEquals(45, b.appStrategy().interval());
    }

    @Test
    void manualWindowOpensNowWithFreshIdAndReplacesTheOpenOne() throws Exception {
        TcpCopyFactory f = on(30, 5);
        TcpCopyFactory.OpenResult r = f.open(20, true);
        assertEquals(200, r.status());
        Window first = r.window();
        assertTrue(first.manual());
        TcpCopyFactory.OpenResult r2 = f.open(20, true);
        assertTrue(!first.isOpen() && r2.window().isOpen());
        assertTrue(!first.id().equals(r2.window().id()));
        h.advanceSeconds(19);
        assertEquals(r2.window(), f.currentWindow(), "the first window's close timer does not close the second");
        h.advanceSeconds(1);
        assertNull(f.currentWindow());
    }

    @Test
    void aListenerBoundToPortZeroLabelsItsRecordsWithThePortItWasBoundTo() throws Exception {
        java.util.concurrent.atomic.AtomicInteger bound = new java.util.concurrent.atomic.AtomicInteger();
        io.ferry.filter.api.ListenerInfo listener = new io.ferry.filter.api.ListenerInfo() {
            @Override
            public String name() {
                return "l0";
            }

            @Override
            public String network() {
                return "tcp";
            }

            @Override
            public String address() {
                return "127.0.0.1:0";
            }

            @Override
            public java.net.SocketAddress socketAddress() {
                return new java.net.InetSocketAddress("127.0.0.1", bound.get());
            }

            @Override
            public java.util.OptionalInt port() {
                return java.util.OptionalInt.of(bound.get());
            }
        };
        TcpCopyFactory f = h.create(Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir), listener);
        assertEquals("0", f.portLabel(), "not bound yet when the filter is initialised");
        bound.set(43445);                                 // the runtime binds the listener after init
        assertEquals("43445", f.portLabel());
        assertEquals("43445", f.open(5, true).window().port());
    }

    @Test
    void unixListenerWritesItsNameAsThePort() throws Exception {
        TcpCopyFactory f = h.create(Harness.config(Fakes.strategy("ON", 30, 5, 80, 80), dir),
                EmbeddedListener.unix("uds [a]", "/run/ferry.sock"));
        assertEquals("uds__a_", f.portLabel());
        assertEquals("uds__a_", f.open(5, true).window().port());
    }
}
