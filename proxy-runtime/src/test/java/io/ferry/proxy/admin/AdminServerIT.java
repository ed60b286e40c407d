package io.ferry.proxy.admin;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ferry.filter.api.admin.AdminResponse;
import io.ferry.proxy.config.AdminConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminServerIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    private final AtomicLong listenerConnections = new AtomicLong(7);
    private AdminServer admin;
    private String base;

    @BeforeEach
    void start() throws IOException {
        JsonObject config = JsonParser.parseString("{\"servers\":[{\"listeners\":[{\"name\":\"l\",\"filter_chains\":"
                + "[{\"tls_context\":{\"private_key\":\"PK\"},\"filters\":[{\"type\":\"tcpcopy\",\"config\":"
                + "{\"strategy\":{\"switch\":\"ON\"},\"sink_password\":\"hunter2\"}}]}]}]}]}").getAsJsonObject();
        admin = new AdminServer(new AdminConfig("127.0.0.1", 0), config, () -> {
            JsonObject stats = new JsonObject();
            JsonObject l = new JsonObject();
            l.addProperty("connections_total", listenerConnections.get());
            JsonObject listeners = new JsonObject();
            listeners.add("l", l);
            stats.add("listeners", listeners);
            stats.add("clusters", new JsonObject());
            return stats;
        });
        InetSocketAddress bound = admin.start();
        assertTrue(bound.getPort() > 0);
        base = "http://127.0.0.1:" + bound.getPort();
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(30));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null);
    }

    @Test
    void configDumpIsTheEffectiveConfigWithSecretsRedacted() throws Exception {
        HttpResponse<String> r = get("/api/v1/config_dump");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonObject dump = JsonParser.parseString(r.body()).getAsJsonObject();
        JsonObject chain = dump.getAsJsonArray("servers").get(0).getAsJsonObject().getAsJsonArray("listeners").get(0)
                .getAsJsonObject().getAsJsonArray("filter_chains").get(0).getAsJsonObject();
        assertEquals("***REDACTED***", chain.getAsJsonObject("tls_context").get("private_key").getAsString());
        JsonObject filterConfig = chain.getAsJsonArray("filters").get(0).getAsJsonObject().getAsJsonObject("config");
        assertEquals("***REDACTED***", filterConfig.get("sink_password").getAsString());
        assertEquals("ON", filterConfig.getAsJsonObject("strategy").get("switch").getAsString());
        assertFalse(r.body().contains("hunter2"));
        assertFalse(r.body().contains("PK\""));
    }

    @Test
    void configDumpSectionsAsInMosn() throws Exception {
        admin.close();
        JsonObject config = JsonParser.parseString("{\"servers\":[{\"listeners\":[{\"name\":\"a\",\"address\":\"x:1\"},"
                + "{\"address\":\"y:2\"}]}],\"cluster_manager\":{\"clusters\":[{\"Name\":\"c\",\"hosts\":[],"
                + "\"tls_context\":{\"private_key\":\"PK\"}}]}}").getAsJsonObject();
        admin = new AdminServer(new AdminConfig("127.0.0.1", 0), config, JsonObject::new);
        base = "http://127.0.0.1:" + admin.start().getPort();

        assertEquals(JsonParser.parseString("{\"a\":{\"name\":\"a\",\"address\":\"x:1\"},\"y:2\":{\"address\":\"y:2\"}}"),
                JsonParser.parseString(get("/api/v1/config_dump?alllisteners").body()));
        assertEquals(JsonParser.parseString("{\"address\":\"y:2\"}"),
                JsonParser.parseString(get("/api/v1/config_dump?listener=y:2").body()));
        assertEquals(JsonParser.parseString("{\"c\":{\"Name\":\"c\",\"hosts\":[],\"tls_context\":"
                + "{\"private_key\":\"***REDACTED***\"}}}"),
                JsonParser.parseString(get("/api/v1/config_dump?allclusters").body()));
        assertEquals("{}", get("/api/v1/config_dump?cluster=nope").body());
        assertEquals(JsonParser.parseString(get("/api/v1/config_dump").body()),
                JsonParser.parseString(get("/api/v1/config_dump?mosnconfig").body()));
        HttpResponse<String> two = get("/api/v1/config_dump?allclusters&alllisteners");
        assertEquals(400, two.statusCode());
        assertEquals("{\"error\": \"only support one parameter\"}", two.body());
        HttpResponse<String> unknown = get("/api/v1/config_dump?routers");
        assertEquals(400, unknown.statusCode());
        assertEquals("{\"error\": \"unknown parameter routers (expected: one of mosnconfig, alllisteners, allclusters,"
                + " listener=NAME, cluster=NAME)\"}", unknown.body());
    }

    @Test
    void statsJoinRuntimeCountersAndFilterCountersReadAtRequestTime() throws Exception {
        AtomicLong dropped = new AtomicLong(3);
        admin.filterStats().register("tcpcopy.l", () -> Map.of("dropped_queue_full", dropped.get(), "windows", 2));
        listenerConnections.set(9);
        dropped.set(4);

        JsonObject stats = JsonParser.parseString(get("/api/v1/stats").body()).getAsJsonObject();

        assertEquals(9, stats.getAsJsonObject("listeners").getAsJsonObject("l").get("connections_total").getAsLong());
        assertEquals(new JsonObject(), stats.getAsJsonObject("clusters"));
        assertEquals(JsonParser.parseString("{\"tcpcopy.l\":{\"dropped_queue_full\":4,\"windows\":2}}"),
                stats.getAsJsonObject("filters"));

        admin.filterStats().unregister("tcpcopy.l");
        stats = JsonParser.parseString(get("/api/v1/stats").body()).getAsJsonObject();
        assertEquals(new JsonObject(), stats.getAsJsonObject("filters"));
    }

    @Test
    void aFailingStatsSourceIsLeftOutAndTheOthersStillShow() throws Exception {
        admin.filterStats().register("bad", () -> {
            throw new IllegalStateException("boom");
        });
        admin.filterStats().register("good", () -> Map.of("n", 1));
        JsonObject filters = JsonParser.parseString(get("/api/v1/stats").body()).getAsJsonObject()
                .getAsJsonObject("filters");
        assertEquals(JsonParser.parseString("{\"good\":{\"n\":1}}"), filters);
    }

    @Test
    void versionIsPlainText() throws Exception {
        HttpResponse<String> r = get("/api/v1/version");
        assertEquals(200, r.statusCode());
        assertEquals("ferry version: " + FerryVersion.get(), r.body());
    }

    @Test
    void rootListsTheEndpointsIncludingFilterOnes() throws Exception {
        admin.register("PUT", "/api/v1/tcpcopy/strategy", r -> AdminResponse.text(200, "ok"));
        HttpResponse<String> r = get("/");
        assertEquals(200, r.statusCode());
        assertEquals(List.of("GET /api/v1/config_dump", "GET /api/v1/stats", "GET /api/v1/version",
                "PUT /api/v1/tcpcopy/strategy"), r.body().lines().toList());
    }

    @Test
    void wrongMethodIs405WithAllowAndUnknownPathIs404Json() throws Exception {
        HttpResponse<String> r = send("POST", "/api/v1/config_dump", "x");
        assertEquals(405, r.statusCode());
        assertEquals("GET", r.headers().firstValue("Allow").orElse(""));
        assertEquals("{\"error\": \"POST is not allowed on /api/v1/config_dump (allowed: GET)\"}", r.body());

        r = get("/api/v1/nope");
        assertEquals(404, r.statusCode());
        assertEquals("{\"error\": \"no admin endpoint at /api/v1/nope; GET / lists them\"}", r.body());
    }

    @Test
    void filterEndpointsGetMethodPathDecodedQueryAndBody() throws Exception {
        admin.register("PUT", "/api/v1/tcpcopy/strategy", r -> AdminResponse.json(200,
                "{\"method\":\"" + r.method() + "\",\"path\":\"" + r.path() + "\",\"listener\":\""
                        + r.queryParam("listener").orElse("?") + "\",\"n\":" + r.query().get("n").size()
                        + ",\"body\":" + r.body() + "}"));
        admin.register("GET", "/api/v1/tcpcopy/strategy", r -> AdminResponse.text(200, "current"));

        HttpResponse<String> r = send("PUT", "/api/v1/tcpcopy/strategy?listener=a%20b&n=1&n=2",
                "{\"switch\":\"OFF\"}");
        assertEquals(200, r.statusCode());
        assertEquals(JsonParser.parseString("{\"method\":\"PUT\",\"path\":\"/api/v1/tcpcopy/strategy\","
                + "\"listener\":\"a b\",\"n\":2,\"body\":{\"switch\":\"OFF\"}}"), JsonParser.parseString(r.body()));
        assertEquals("current", get("/api/v1/tcpcopy/strategy").body());
        r = send("DELETE", "/api/v1/tcpcopy/strategy", null);
        assertEquals(405, r.statusCode());
        assertEquals("GET, PUT", r.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void aHandlerThatThrowsAnswers500WithItsMessage() throws Exception {
        admin.register("POST", "/api/v1/boom", r -> {
            throw new IllegalArgumentException("window already open");
        });
        HttpResponse<String> r = send("POST", "/api/v1/boom", "");
        assertEquals(500, r.statusCode());
        assertEquals("{\"error\": \"window already open\"}", r.body());
    }

    @Test
    void registrationRules() {
        IllegalStateException dup = assertThrows(IllegalStateException.class,
                () -> admin.register("get", "/api/v1/stats", r -> null));
        assertEquals("admin endpoint GET /api/v1/stats is already registered", dup.getMessage());
        assertEquals("path: \"/tcpcopy\" (expected: /api/v1/<name>..., without a query string)",
                assertThrows(IllegalArgumentException.class,
                        () -> admin.register("GET", "/tcpcopy", r -> null)).getMessage());
        assertEquals("method: \"PATCH\" (expected: GET, PUT, POST or DELETE)",
                assertThrows(IllegalArgumentException.class,
                        () -> admin.register("PATCH", "/api/v1/x", r -> null)).getMessage());
    }

    @Test
    void queryParsingKeepsRepeatsAndDecodes() {
        assertEquals(Map.of("a", List.of("1", "2"), "b", List.of("x y"), "c", List.of("")),
                AdminServer.parseQuery("a=1&b=x+y&a=2&c"));
    }

    @Test
    void aBusyPortIsReportedWithTheConfigPath() throws Exception {
        int port = URI.create(base).getPort();
        AdminServer second = new AdminServer(new AdminConfig("127.0.0.1", port), new JsonObject(), JsonObject::new);
        IOException e = assertThrows(IOException.class, second::start);
        assertTrue(e.getMessage().startsWith("admin.address.socket_address: cannot listen on 127.0.0.1:" + port + ": "),
                e.getMessage());
        second.close();
    }
}
