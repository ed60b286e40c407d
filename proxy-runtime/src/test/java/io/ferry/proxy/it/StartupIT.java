package io.ferry.proxy.it;

import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Startup: filters are created and initialised once, and any failure refuses to start with nothing left running. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartupIT {

    @BeforeEach
    void reset() {
        TestFilters.EVENTS.clear();
    }

    private static ListenerConfig listener(int index, String name, int port, String type, String json) {
        return new ListenerConfig(index, name, "tcp", "127.0.0.1:" + port, "127.0.0.1", port, true,
                Duration.ofSeconds(90), List.of(TestConfigs.filter(index, 0, type, json)));
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void factoriesAreCreatedInitialisedOnceAndClosedAtShutdown() throws Exception {
        ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                .listener(listener(0, "probed", 0, "test.probe", "{\"n\":1,\"list\":[true,\"x\"]}"))
                .build());
        try {
            ProxyFixture.await("the timer task", Duration.ofSeconds(10),
                    () -> TestFilters.EVENTS.stream().anyMatch(e -> e.startsWith("timer")));
            assertTrue(TestFilters.EVENTS.contains(
                    "create servers[0].listeners[0].filter_chains[0].filters[0].config {n=1.0, list=[true, x]}"),
                    TestFilters.EVENTS.toString());
            assertTrue(TestFilters.EVENTS.contains("init probed"));
            assertTrue(TestFilters.EVENTS.contains("timer on ferry-filter-timer"), TestFilters.EVENTS.toString());
            assertEquals(1, proxy.stats().getAsJsonObject("filters").getAsJsonObject("probe").get("created")
                    .getAsInt());
            assertFalse(TestFilters.EVENTS.contains("close"));
        } finally {
            proxy.close();
        }
        assertEquals("close", TestFilters.EVENTS.get(TestFilters.EVENTS.size() - 1));
    }

    @Test
    void unknownFilterTypeRefusesToStart() {
        ConfigException e = assertThrows(ConfigException.class, () -> ProxyFixture.start(TestConfigs.create()
                .listener(listener(0, "l", 0, "no_such_filter", "{}")).build()));
        assertTrue(e.getMessage().contains("servers[0].listeners[0].filter_chains[0].filters[0]"), e.getMessage());
        assertTrue(e.getMessage().contains("no_such_filter"), e.getMessage());
    }

    @Test
    void invalidTcpProxyConfigRefusesToStartWithTheFiltersMessage() {
        ConfigException e = assertThrows(ConfigException.class, () -> ProxyFixture.start(TestConfigs.create()
                .tcpProxyListener("l", 0, Duration.ofSeconds(90), "missing")
                .cluster("present", LbType.LB_ROUNDROBIN, "127.0.0.1:1")
                .build()));
        assertEquals("servers[0].listeners[0].filter_chains[0].filters[0].config.cluster: \"missing\" (expected: "
                + "the name of a cluster in cluster_manager.clusters [present])", e.getMessage());
    }

    @Test
    void failedInitRefusesToStartAndClosesWhatWasCreated() {
        ConfigException e = assertThrows(ConfigException.class, () -> ProxyFixture.start(TestConfigs.create()
                .listener(listener(0, "fine", 0, "test.probe", "{}"))
                .listener(listener(1, "picky", 0, "test.probe", "{\"fail_init\":true}"))
                .build()));
        assertEquals("listener picky: true (expected: a listener this probe likes)", e.getMessage());
        assertEquals(2, TestFilters.EVENTS.stream().filter("close"::equals).count(), TestFilters.EVENTS.toString());
    }

    @Test
    void listenerThatCannotBindRefusesToStartAndReleasesTheOthers() throws Exception {
        int first = TestServers.deadPort();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ConfigException e = assertThrows(ConfigException.class, () -> ProxyFixture.start(TestConfigs.create()
                    .listener(listener(0, "first", first, "test.probe", "{}"))
                    .listener(listener(1, "second", taken.getLocalPort(), "test.probe", "{}"))
                    .build()));
            assertTrue(e.getMessage().startsWith("servers[0].listeners[1].address: \"127.0.0.1:"
                    + taken.getLocalPort() + "\" (expected: an address this host can listen on; binding failed"),
                    e.getMessage());
        }
        assertTrue(canBind(first), "the first listener's port was released");
    }

    @Test
    void bindPortFalseIsNotListening() throws Exception {
        try (ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                .listener(listener(0, "bound", 0, "test.probe", "{}"))
                .listener(new ListenerConfig(1, "lookup-only", "tcp", "127.0.0.1:0", "127.0.0.1", 0, false,
                        Duration.ofSeconds(90), List.of(TestConfigs.filter(1, 0, "test.probe", "{}"))))
                .build())) {
            assertEquals(List.of("bound"), List.copyOf(proxy.listeners().keySet()));
            assertTrue(TestFilters.EVENTS.contains("init lookup-only"), "its filters are still set up, as in MOSN");
        }
    }
}
