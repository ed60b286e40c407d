package io.ferry.tcpcopy;

import com.google.gson.Gson;
import io.ferry.filter.api.admin.AdminResponse;
import io.ferry.testkit.embedded.EmbeddedListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminTest {

    @TempDir
    Path dir;
    final Harness h = new Harness();
    TcpCopyFactory a;
    TcpCopyFactory b;

    @AfterEach
    void close() {
        h.close();
    }

    private void twoListeners() throws Exception {
        a = h.create(Harness.config(Fakes.strategy("ON", 60, 5, 80, 80), dir), EmbeddedListener.tcp("a", 1001));
        b = h.create(Harness.config(null, dir), EmbeddedListener.tcp("b", 1002));
    }

    private AdminResponse call(String method, String path, Map<String, String> q, String body) throws Exception {
        StringBuilder query = new StringBuilder();
        q.forEach((k, v) -> query.append(query.length() == 0 ? "" : "&").append(k).append('=').append(v));
        return h.env.admin().call(method, path, query.toString(), body);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(AdminResponse r) {
        return new Gson().fromJson(r.body(), Map.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void getShowsGlobalAppAndEffectivePerListener() throws Exception {
        twoListeners();
        AdminResponse r = call("GET", "/api/v1/tcpcopy/strategy", Map.of(), "");
        assertEquals(200, r.status());
        Map<String, Object> m = json(r);
        assertEquals("OFF", ((Map<String, Object>) m.get("global")).get("switch"));
        Map<String, Object> ls = (Map<String, Object>) m.get("listeners");
        Map<String, Object> la = (Map<String, Object>) ls.get("a");
        assertEquals("1001", la.get("port"));
        assertEquals(60.0, ((Map<String, Object>) la.get("app")).get("interval"));
        assertEquals("ON", ((Map<String, Object>) la.get("effective")).get("switch"));
        assertEquals("OFF", ((Map<String, Object>) ((Map<String, Object>) ls.get("b")).get("effective")).get("switch"));
    }

    @Test
    void putGlobalValidatesAndApplies() throws Exception {
        twoListeners();
        AdminResponse bad = call("PUT", "/api/v1/tcpcopy/strategy/global", Map.of(),
                "{\"switch\":\"ON\",\"interval\":3601,\"duration\":1,\"cpu_max_rate\":80,\"mem_max_rate\":70}");
        assertEquals(400, bad.status());
        assertEquals("{\"error\": \"global.interval: 3601 (expected: an integer from 30 to 3600 (seconds))\"}", bad.body());
        assertEquals(400, call("PUT", "/api/v1/tcpcopy/strategy/global", Map.of(), "not json").status());

        AdminResponse ok = call("PUT", "/api/v1/tcpcopy/strategy/global", Map.of(),
                "{\"switch\":\"ON\",\"interval\":30,\"duration\":2,\"cpu_max_rate\":80,\"mem_max_rate\":70}");
        assertEquals(200, ok.status());
        assertEquals(true, b.effective().on(), "b's app switch is OFF, so it follows global ON");
        assertEquals(60, a.effective().interval(), "a's app switch is ON, so its own values apply");
        h.advanceSeconds(30);
        assertNotNull(b.currentWindow());

        assertEquals(200, call("PUT", "/api/v1/tcpcopy/strategy/global", Map.of(),
                "{\"switch\":\"FORCE_OFF\",\"interval\":30,\"duration\":1,\"cpu_max_rate\":80,\"mem_max_rate\":70}").status());
        assertEquals(false, a.effective().on());
        assertNull(b.currentWindow());
    }

    @Test
    void putAppIsPerListener() throws Exception {
        twoListeners();
        String body = "{\"switch\":\"ON\",\"interval\":45,\"duration\":3,\"cpu_max_rate\":50,\"mem_max_rate\":50}";
        assertEquals(200, call("PUT", "/api/v1/tcpcopy/strategy", Map.of("listener", "b"), body).status());
        assertEquals(45, b.appStrategy().interval());
        assertEquals(60, a.appStrategy().interval());
        AdminResponse force = call("PUT", "/api/v1/tcpcopy/strategy", Map.of("listener", "b"), body.replace("\"ON\"", "\"FORCE_OFF\""));
        assertEquals(400, force.status());
        assertEquals("{\"error\": \"strategy.switch: \\\"FORCE_OFF\\\" (expected: \\\"ON\\\" or \\\"OFF\\\")\"}", force.body());
        AdminResponse unknown = call("PUT", "/api/v1/tcpcopy/strategy", Map.of("listener", "zz"), body);
        assertEquals(404, unknown.status());
        assertEquals("{\"error\": \"listener: \\\"zz\\\" (expected: a listener with a tcpcopy filter, one of [a, b])\"}", unknown.body());
        assertEquals(400, call("PUT", "/api/v1/tcpcopy/strategy", Map.of(), body).status());
    }

    @Test
    @SuppressWarnings("unchecked")
    void postWindowOpensNowWhereTheSwitchIsOn() throws Exception {
        twoListeners();
        AdminResponse r = call("POST", "/api/v1/tcpcopy/window", Map.of("duration_s", "10"), "");
        assertEquals(200, r.status());
        Map<String, Object> m = json(r);
        List<Map<String, Object>> opened = (List<Map<String, Object>>) m.get("opened");
        assertEquals(1, opened.size());
        assertEquals("a", opened.get(0).get("listener"));
        assertEquals(a.currentWindow().id(), opened.get(0).get("id"));
        assertEquals(List.of("b"), List.copyOf(((Map<String, Object>) m.get("refused")).keySet()));
        h.advanceSeconds(10);
        assertNull(a.currentWindow());

        AdminResponse off = call("POST", "/api/v1/tcpcopy/window", Map.of("duration_s", "10", "listener", "b"), "");
        assertEquals(409, off.status());
        h.readings.cpu = 99;
        h.advanceSeconds(1);
        AdminResponse fused = call("POST", "/api/v1/tcpcopy/window", Map.of("duration_s", "10", "listener", "a"), "");
        assertEquals(503, fused.status());
        assertEquals(400, call("POST", "/api/v1/tcpcopy/window", Map.of("duration_s", "0"), "").status());
        assertEquals("{\"error\": \"duration_s: \\\"abc\\\" (expected: an integer from 1 to 3600 (seconds))\"}",
                call("POST", "/api/v1/tcpcopy/window", Map.of("duration_s", "abc"), "").body());
    }

    @Test
    @SuppressWarnings("unchecked")
    void putSamplingIsPerListenerValidatedAndShownInTheStrategyView() throws Exception {
        twoListeners();
        AdminResponse ok = call("PUT", "/api/v1/tcpcopy/sampling", Map.of("listener", "a"), "{\"sample_percent\": 10}");
        assertEquals(200, ok.status(), ok.body());
        assertEquals(new io.ferry.tcpcopy.config.Sampling(10, 0), a.sampling());
        assertEquals(io.ferry.tcpcopy.config.Sampling.ALL, b.sampling());
        assertEquals(200, call("PUT", "/api/v1/tcpcopy/sampling", Map.of("listener", "a"),
                "{\"max_bytes_per_connection\": 4096}").status());
        assertEquals(new io.ferry.tcpcopy.config.Sampling(10, 4096), a.sampling(), "fields left out keep their values");
        Map<String, Object> la = (Map<String, Object>) ((Map<String, Object>) json(call("GET", "/api/v1/tcpcopy/strategy",
                Map.of(), "")).get("listeners")).get("a");
        assertEquals(Map.of("sample_percent", 10.0, "max_bytes_per_connection", 4096.0), la.get("sampling"));
        AdminResponse bad = call("PUT", "/api/v1/tcpcopy/sampling", Map.of("listener", "a"), "{\"sample_percent\": -5}");
        assertEquals(400, bad.status());
        assertTrue(bad.body().contains("sampling.sample_percent: -5 (expected: an integer from 0 to 100 (percent of connections))"),
                bad.body());
        assertEquals(new io.ferry.tcpcopy.config.Sampling(10, 4096), a.sampling(), "unchanged after a refused body");
        AdminResponse unknownField = call("PUT", "/api/v1/tcpcopy/sampling", Map.of("listener", "a"), "{\"percent\": 5}");
        assertEquals(400, unknownField.status());
        assertTrue(unknownField.body().contains("sampling.percent: 5"), unknownField.body());
        assertEquals(404, call("PUT", "/api/v1/tcpcopy/sampling", Map.of("listener", "zz"), "{}").status());
    }

    @Test
    void endpointsAreRegisteredOncePerProvider() throws Exception {
        twoListeners();
        assertEquals(5, h.env.admin().endpoints().size());
        assertThrows(IllegalStateException.class, () -> h.env.admin().register("GET", "/api/v1/tcpcopy/strategy", r -> null));
    }

    @Test
    void statsArePublishedPerListener() throws Exception {
        twoListeners();
        Map<String, ? extends Number> s = h.stats("tcpcopy.a");
        assertEquals(0L, s.get("dropped_queue_full"));
        assertEquals(0L, s.get("dropped_size_cap"));
        assertEquals(0L, s.get("dropped_dump_dir_unavailable"));
        assertNotNull(h.stats("tcpcopy.b"));
        a.close();
        assertTrue(h.stats("tcpcopy.a").isEmpty());
    }

    @Test
    void oneTcpcopyPerListener() throws Exception {
        twoListeners();
        var e = assertThrows(io.ferry.filter.api.spi.FilterConfigException.class,
                () -> h.create(Harness.config(null, dir), EmbeddedListener.tcp("a", 1001)));
        assertEquals("listeners[0].filter_chains[0].filters[0].config: \"a\" (expected: one tcpcopy filter per listener; "
                + "listener \"a\" already has one)", e.getMessage());
    }
}
