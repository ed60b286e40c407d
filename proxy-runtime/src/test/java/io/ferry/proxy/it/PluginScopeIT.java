package io.ferry.proxy.it;

import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One plugin on two listeners: its admin endpoint is registered once, through the plugin scope (a second
 * registration of a path is refused), both factories see the same state, and the runtime closes the scope when it
 * stops; a second runtime in the same JVM starts with a scope of its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PluginScopeIT {

    private static ProxyServer start() throws Exception {
        return ProxyFixture.start(TestConfigs.create()
                .listener(new ListenerConfig(0, "a", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                        Duration.ofSeconds(90), List.of(TestConfigs.filter(0, 0, "test.scoped", "{}"))))
                .listener(new ListenerConfig(1, "b", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                        Duration.ofSeconds(90), List.of(TestConfigs.filter(1, 0, "test.scoped", "{}"))))
                .admin()
                .build());
    }

    private static String paths(ProxyServer proxy) throws Exception {
        InetSocketAddress admin = proxy.adminAddress().orElseThrow();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin.getPort() + "/api/v1/test_scoped/paths")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    @Test
    void twoListenersOfOnePluginShareOneScopePerRuntime() throws Exception {
        TestFilters.EVENTS.clear();
        String both = "servers[0].listeners[0].filter_chains[0].filters[0].config,"
                + "servers[0].listeners[1].filter_chains[0].filters[0].config";
        try (ProxyServer first = start()) {
            assertEquals(both, paths(first), "one endpoint, registered once, serving both listeners' state");
            try (ProxyServer second = start()) {
                assertEquals(both, paths(second), "a second runtime has a scope of its own");
            }
            assertEquals(List.of("scope closed [" + both.replace(",", ", ") + "]"), TestFilters.EVENTS,
                    "the stopped runtime closed its scope, once");
        }
        assertEquals(2, TestFilters.EVENTS.size(), TestFilters.EVENTS.toString());
    }
}
