package io.ferry.proxy.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.proxy.config.LbType;
import io.ferry.proxy.config.ListenerConfig;
import io.ferry.proxy.runtime.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runtime's counters and the filters' own counters are served by the admin API when it is configured. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminStatsIT {

    @AfterEach
    void noLeaks() throws Exception {
        LeakTracker.assertNoLeaks();
    }

    private static JsonObject stats(InetSocketAddress admin) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin.getPort() + "/api/v1/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    @Test
    void statsEndpointCountsConnectionsAndBytesPerListenerAndCluster() throws Exception {
        try (TestServers.Server echo = TestServers.tcp(TestServers.ECHO);
             ProxyServer proxy = ProxyFixture.start(TestConfigs.create()
                     .listener(new ListenerConfig(0, "l", "tcp", "127.0.0.1:0", "127.0.0.1", 0, true,
                             Duration.ofSeconds(90), List.of(
                             TestConfigs.filter(0, 0, "test.probe", "{}"),
                             TestConfigs.filter(0, 1, "tcp_proxy", "{\"cluster\":\"c\"}"))))
                     .cluster("c", LbType.LB_ROUNDROBIN, echo.hostAddress())
                     .admin()
                     .build())) {
            InetSocketAddress admin = proxy.adminAddress().orElseThrow();
            try (Socket s = TestServers.connect(ProxyFixture.tcpAddress(proxy, "l"))) {
                s.getOutputStream().write(new byte[1000]);
                s.shutdownOutput();
                assertEquals(1000, TestServers.drain(s.getInputStream()));
            }
            ProxyFixture.await("the connection to be closed", Duration.ofSeconds(10), () -> proxy.stats()
                    .getAsJsonObject("listeners").getAsJsonObject("l").get("connections_active").getAsLong() == 0);
            JsonObject all = stats(admin);
            String text = all.toString();
            assertTrue(text.contains("\"connections_total\":1"), text);
            assertTrue(text.contains("\"bytes_in\":1000"), text);
            assertTrue(text.contains("\"bytes_out\":1000"), text);
            assertTrue(text.contains("\"c\""), "the cluster is listed: " + text);
            assertTrue(text.contains("\"probe\""), "the filter's own counters are listed: " + text);
        }
    }
}
