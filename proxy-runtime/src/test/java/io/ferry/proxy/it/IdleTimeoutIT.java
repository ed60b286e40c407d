package io.ferry.proxy.it;

import io.ferry.proxy.config.LbType;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code connection_idle_timeout}: an idle connection is closed, a busy one is not, 0 disables. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleTimeoutIT {

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    @Test
    void idleConnectionIsClosedAfterTheTimeoutAndABusyOneIsNot() throws Exception {
        Duration idle = Duration.ofMillis(1500);
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .tcpProxyListener("l", 0, idle, "c")
                     .cluster("c", LbType.LB_ROUNDROBIN, echo.hostAddress())
                     .build());
             Socket quiet = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"));
             Socket busy = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
            long start = System.nanoTime();
            // The busy connection talks every 100 ms for well over the timeout.
            for (int i = 0; i < 40; i++) {
                busy.getOutputStream().write(i);
                assertEquals(i, busy.getInputStream().read());
                Thread.sleep(100);
            }
            assertEquals(-1, quiet.getInputStream().read(), "the quiet connection was closed");
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsed >= idle.toMillis(), "closed after " + elapsed + " ms, timeout " + idle.toMillis());
            busy.getOutputStream().write(99);
            assertEquals(99, busy.getInputStream().read(), "the busy connection is still open");
        }
    }
}
