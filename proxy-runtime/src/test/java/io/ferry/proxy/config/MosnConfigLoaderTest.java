package io.ferry.proxy.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MosnConfigLoaderTest {

    static Path corpus(String name) {
        try {
            return Path.of(MosnConfigLoaderTest.class.getResource("/configs/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static String refusal(String name) {
        return assertThrows(ConfigException.class, () -> MosnConfigLoader.load(corpus("refused/" + name))).getMessage();
    }

    /** A one-listener config around {@code listenerExtra} (JSON members added to the listener). */
    static String listener(String listenerExtra) {
        return "{\"servers\":[{\"listeners\":[{\"address\":\"127.0.0.1:2045\",\"bind_port\":true," + listenerExtra
                + "\"filter_chains\":[{\"filters\":[{\"type\":\"tcp_proxy\",\"config\":{\"cluster\":\"c\"}}]}]}]}]";
    }

    static String withCluster(String clusterMembers) {
        return listener("") + ",\"cluster_manager\":{\"clusters\":[{" + clusterMembers + "}]}}";
    }

    static final String LISTENER_2045 = "{\"address\":\"127.0.0.1:2045\",\"filter_chains\":[{\"filters\":"
            + "[{\"type\":\"tcp_proxy\"}]}]}";

    static FerryConfig parse(String json) throws ConfigException {
        return MosnConfigLoader.parse(json, "test.json");
    }

    static String error(String json) {
        return assertThrows(ConfigException.class, () -> parse(json)).getMessage();
    }

    // ---- the MOSN samples ---------------------------------------------------------------------------------------

    @Test
    void tcpproxySampleLoadsWithCapitalisedNameEmptyTlsAndListenerLogPath() throws Exception {
        FerryConfig c = MosnConfigLoader.load(corpus("accepted/tcpproxy-sample.json"));

        ServerConfig s = c.server();
        assertEquals("stdout", s.defaultLogPath());
        assertEquals("INFO", s.defaultLogLevel());
        assertEquals(Duration.ofSeconds(30), s.gracefulTimeout());
        ListenerConfig l = s.listeners().get(0);
        assertEquals("proxyListener", l.name());
        assertEquals("tcp", l.network());
        assertEquals("127.0.0.1", l.host());
        assertEquals(2045, l.port());
        assertTrue(l.bindPort());
        assertEquals(Duration.ofSeconds(90), l.connectionIdleTimeout());
        assertEquals(1, l.filters().size());
        FilterEntry f = l.filters().get(0);
        assertEquals("tcp_proxy", f.type());
        assertEquals("servers[0].listeners[0].filter_chains[0].filters[0]", f.path());
        assertEquals("serverCluster", f.config().get("cluster").getAsString());

        ClusterConfig cl = c.cluster("serverCluster").orElseThrow();
        assertEquals("SIMPLE", cl.type());
        assertEquals(LbType.LB_RANDOM, cl.lbType());
        assertEquals(List.of(new HostConfig("127.0.0.1:8080", 1)), cl.hosts());
        assertEquals(Duration.ofSeconds(10), cl.connectTimeout());
        assertEquals(Duration.ZERO, cl.idleTimeout());
        assertEquals(0, cl.maxConnections());
        assertTrue(c.admin().isEmpty());

        assertEquals(List.of(
                "servers[0].listeners[0].log_path: accepted, ignored (not a listener field in MOSN either)",
                "servers[0].listeners[0].filter_chains[0].tls_context: accepted, ignored (TLS is off)",
                "cluster_manager.clusters[0].max_request_per_conn: accepted, ignored (L7 pools only)",
                "cluster_manager.clusters[0].conn_buffer_limit_bytes: accepted, ignored (not enforced by MOSN either)"),
                c.warnings());
    }

    @Test
    void aKeyGivenTwiceInOneObjectIsAWarningWithItsPathAndTheLastValueIsUsed() throws Exception {
        FerryConfig c = MosnConfigLoader.parse("""
                {"servers": [{"listeners": [{"name": "l", "address": "127.0.0.1:0", "bind_port": true,
                  "filter_chains": [{"filters": [
                    {"type": "tcp_proxy", "config": {"cluster": "a", "cluster": "b", "cluster": "b"}}]}]}]}],
                 "cluster_manager": {"clusters": [
                    {"name": "a", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:9"}]},
                    {"name": "b", "lb_type": "LB_ROUNDROBIN", "lb_type": "LB_RANDOM",
                     "hosts": [{"address": "127.0.0.1:9"}]}]}}
                """, "dup.json");
        assertEquals(LbType.LB_RANDOM, c.clusters().get(1).lbType(), "the last value, as MOSN's decoder takes it");
        assertTrue(c.warnings().contains("servers[0].listeners[0].filter_chains[0].filters[0].config.cluster: given 3"
                + " times in one object; the last value is used, as MOSN's decoder uses it, the others are ignored"),
                c.warnings()::toString);
        assertTrue(c.warnings().contains("cluster_manager.clusters[1].lb_type: given 2 times in one object; the last"
                + " value is used, as MOSN's decoder uses it, the others are ignored"), c.warnings()::toString);
        assertEquals(2, c.warnings().stream().filter(w -> w.contains(" times in one object")).count(),
                c.warnings()::toString);
    }

    @Test
    void udsClientSampleHasAUnixListenerAndWarnsAboutTracingAndUpgrade() throws Exception {
        FerryConfig c = MosnConfigLoader.load(corpus("accepted/uds-client.json"));
        ListenerConfig l = c.server().listeners().get(0);
        assertEquals("unix", l.network());
        assertEquals("/run/mosn/client-proxy.sock", l.address());
        assertNull(l.host());
        assertEquals(-1, l.port());
        assertEquals("DEBUG", c.server().defaultLogLevel());
        assertTrue(c.warnings().contains("disable_upgrade: accepted, ignored (no effect in Ferry)"), c.warnings()::toString);
        assertTrue(c.warnings().contains("tracing: accepted, ignored (no effect in Ferry)"), c.warnings()::toString);
    }

    @Test
    void udsServerSampleKeepsAUnixUpstreamAddress() throws Exception {
        FerryConfig c = MosnConfigLoader.load(corpus("accepted/uds-server.json"));
        assertEquals(List.of(new HostConfig("unix:/run/mosn/server-proxy.sock", 1)),
                c.cluster("serverCluster").orElseThrow().hosts());
    }

    @Test
    void layottoStyleTcpcopyInFrontOfTcpProxyKeepsBothFiltersInOrderWithTheirConfigs() throws Exception {
        FerryConfig c = MosnConfigLoader.load(corpus("accepted/layotto-tcpcopy.json"));
        ListenerConfig l = c.server().listeners().get(0);
        assertEquals(List.of("tcpcopy", "tcp_proxy"), l.filters().stream().map(FilterEntry::type).toList());
        assertEquals(30, l.filters().get(0).config().getAsJsonObject("strategy").get("interval").getAsInt());
        assertEquals("servers[0].listeners[0].filter_chains[0].filters[1]", l.filters().get(1).path());
        assertEquals(Duration.ofMinutes(2), l.connectionIdleTimeout());
        assertEquals(Duration.ofSeconds(5), c.server().gracefulTimeout());

        ClusterConfig cl = c.clusters().get(0);
        assertEquals(LbType.LB_WEIGHTED_ROUNDROBIN, cl.lbType());
        assertEquals(List.of(3, 1, 128), cl.hosts().stream().map(HostConfig::weight).toList(),
                "weights clamp to 1..128 and 0 becomes 1");
        assertEquals(Duration.ofMillis(1500), cl.connectTimeout());
        assertEquals(Duration.ofSeconds(90), cl.idleTimeout());
        assertEquals(1000, cl.maxConnections());
        assertEquals(new AdminConfig("127.0.0.1", 34901), c.admin().orElseThrow());
        assertEquals(List.of(), c.warnings());
    }

    // ---- refused L7 and other unsupported configs ---------------------------------------------------------------

    @Test
    void mosnHttpSampleIsRefusedAtItsRouters() {
        assertEquals("servers[0].routers: [{\"router_config_name\":\"server_router\",\"virtual_hosts\":[{\"name\":"
                        + "\"serverHost\",... (expected: no routers; L7 routing is unsupported by Ferry's L4 engine)\n"
                        + "servers[0].listeners[0].filter_chains[0].filters[0].type: \"proxy\" (expected: an L4 network"
                        + " filter such as tcp_proxy; L7 (HTTP/RPC) proxying is unsupported by Ferry's L4 engine)",
                refusal("http-sample-server.json"));
    }

    @Test
    void proxyFilterWithHttp1IsRefused() {
        assertEquals("servers[0].listeners[0].filter_chains[0].filters[0].type: \"proxy\" (expected: an L4 network"
                        + " filter such as tcp_proxy; L7 (HTTP/RPC) proxying is unsupported by Ferry's L4 engine)",
                refusal("proxy-http1.json"));
    }

    @Test
    void layottoGrpcFilterIsRefused() {
        assertEquals("servers[0].listeners[0].filter_chains[0].filters[1].type: \"grpc\" (expected: an L4 network"
                        + " filter such as tcp_proxy; serving gRPC is unsupported by Ferry's L4 engine)",
                refusal("layotto-grpc.json"));
    }

    @Test
    void listenerTlsOnIsRefused() {
        assertEquals("servers[0].listeners[0].filter_chains[0].tls_context.status: true (expected: false or absent;"
                + " TLS is unsupported by Ferry's L4 engine)", refusal("tls-listener.json"));
    }

    @Test
    void clusterTlsOnIsRefused() {
        assertEquals("cluster_manager.clusters[0].tls_context.status: true (expected: false or absent; TLS is"
                + " unsupported by Ferry's L4 engine)", refusal("tls-cluster.json"));
    }

    @Test
    void tlsContextSetWithStatusOnIsRefused() {
        assertEquals("servers[0].listeners[0].filter_chains[0].tls_context_set[1].status: true (expected: false or"
                        + " absent; TLS is unsupported by Ferry's L4 engine)",
                error(listener("").replace("\"filters\"", "\"tls_context_set\":[{},{\"status\":true}],\"filters\"") + "}"));
    }

    @Test
    void clusterManagerTlsOnIsRefused() {
        assertEquals("cluster_manager.tls_context.status: true (expected: false or absent; TLS is unsupported by"
                + " Ferry's L4 engine)", error(listener("") + ",\"cluster_manager\":{\"tls_context\":{\"status\":true}}}"));
    }

    @Test
    void xdsBootstrapIsRefused() {
        assertEquals("dynamic_resources: {\"ads_config\":{\"api_type\":\"GRPC\",\"grpc_services\":[{\"envoy_grpc\":"
                        + "{\"cluster_nam... (expected: absent; xDS configuration is unsupported by"
                        + " Ferry's L4 engine, use servers[] and cluster_manager)\n"
                        + "static_resources: {\"clusters\":[{\"name\":\"xds-grpc\",\"type\":\"STRICT_DNS\",\"hosts\":"
                        + "[{\"socket_address... (expected: absent; xDS configuration is unsupported by Ferry's L4 engine,"
                        + " use servers[] and cluster_manager)\n"
                        + "servers: missing (expected: exactly one server)",
                refusal("xds-bootstrap.json"));
    }

    @Test
    void udpProxySampleIsRefusedAtItsNetwork() {
        assertEquals("servers[0].listeners[0].network: \"udp\" (expected: tcp or unix; UDP is unsupported by Ferry's"
                + " L4 engine, which is TCP-only)\n"
                + "servers[0].listeners[0].filter_chains[0].filters[0].type: \"udp_proxy\" (expected: an L4 network"
                + " filter such as tcp_proxy; UDP proxying is unsupported by Ferry's L4 engine, which is TCP-only)",
                refusal("udpproxy-sample.json"));
    }

    @Test
    void udpProxyFilterOnATcpListenerIsRefused() {
        assertEquals("servers[0].listeners[0].filter_chains[0].filters[0].type: \"udp_proxy\" (expected: an L4"
                        + " network filter such as tcp_proxy; UDP proxying is unsupported by Ferry's L4 engine, which is"
                        + " TCP-only)",
                error(listener("").replace("tcp_proxy", "udp_proxy") + "}"));
    }

    @Test
    void mosnsTransparentProxyListenerLoadsWithItsOriginalDstFilter() throws Exception {
        FerryConfig c = MosnConfigLoader.load(corpus("accepted/tproxy.json"));
        assertEquals(new OriginalDstConfig("tproxy", false), c.server().listeners().get(0).originalDst());
        FerryConfig r = parse(listener("\"use_original_dst\":\"redirect\",\"listener_filters\":[{\"type\":"
                + "\"original_dst\",\"config\":{\"fallback_to_local\":true}}],") + "}");
        assertEquals(new OriginalDstConfig("redirect", true), r.server().listeners().get(0).originalDst());
        assertEquals("servers[0].listeners[0].use_original_dst: true (expected: \"redirect\" or \"tproxy\" (MOSN's"
                + " old boolean form is refused by MOSN too))", error(listener("\"use_original_dst\":true,") + "}"));
        FerryConfig filterOnly = parse(listener("\"listener_filters\":[{\"type\":\"original_dst\"}],") + "}");
        assertNull(filterOnly.server().listeners().get(0).originalDst());
        assertTrue(filterOnly.warnings().contains("servers[0].listeners[0].listener_filters: the original_dst"
                + " listener filter acts only on a listener with use_original_dst, as in MOSN; this one has none, so it"
                + " has no effect"), filterOnly.warnings()::toString);
    }

    @Test
    void emptyExtendsAndRoutersAreAccepted() throws Exception {
        FerryConfig c = parse("{\"extends\":[]," + listener("").substring(1).replace("\"listeners\"",
                "\"routers\":[],\"listeners\"") + "}");
        assertEquals(1, c.server().listeners().size());
    }

    // ---- Go encoding/json decoding rules ------------------------------------------------------------------------

    @Test
    void keysMatchCaseInsensitivelyAndTheLastFoldEqualKeyWins() throws Exception {
        FerryConfig c = parse(withCluster("\"name\":\"first\",\"NAME\":\"second\",\"Hosts\":[{\"ADDRESS\":\"h:1\"}]"));
        assertEquals("second", c.clusters().get(0).name());
        assertEquals("h:1", c.clusters().get(0).hosts().get(0).address());
    }

    @Test
    void aKeyGivenTwiceTakesTheLaterValue() throws Exception {
        FerryConfig c = parse(withCluster("\"name\":\"a\",\"connect_timeout\":\"1s\",\"connect_timeout\":\"2s\""));
        assertEquals(Duration.ofSeconds(2), c.clusters().get(0).connectTimeout());
    }

    @Test
    void unknownKeysAreWarnedOncePerJsonPath() throws Exception {
        FerryConfig c = parse(withCluster("\"name\":\"a\",\"colour\":1,\"hosts\":[{\"address\":\"h:1\",\"zone\":\"z\"}]")
                .replace("\"bind_port\"", "\"speed\":1,\"bind_port\"").replace("{\"servers\"", "{\"foo\":{},\"servers\""));
        assertEquals(List.of(
                "servers[0].listeners[0].speed: unknown key, ignored",
                "cluster_manager.clusters[0].hosts[0].zone: unknown key, ignored",
                "cluster_manager.clusters[0].colour: unknown key, ignored",
                "foo: unknown key, ignored"), c.warnings());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"10s\"|PT10S", "\"300ms\"|PT0.3S", "\"1m30s\"|PT1M30S", "0|PT0S", "\"0\"|PT0S", "\"1.5h\"|PT1H30M",
            "\"2h45m\"|PT2H45M", "\"1500us\"|PT0.0015S", "\"100ns\"|PT0.0000001S"})
    void durationsParseAsGo(String json, String iso) throws Exception {
        FerryConfig c = parse(listener("\"connection_idle_timeout\":" + json + ",") + "}");
        assertEquals(Duration.parse(iso), c.server().listeners().get(0).connectionIdleTimeout());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "10|10 (expected: a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0; a bare number needs a unit)",
            "\"10\"|\"10\" (expected: a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0)",
            "\"1x\"|\"1x\" (expected: a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0)",
            "\"-1s\"|\"-1s\" (expected: a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0)",
            "\"\"|\"\" (expected: a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0)",
            "null|null (expected: a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0)",
            "true|true (expected: a duration such as \"10s\", \"300ms\" or \"1m30s\", or 0)"})
    void badDurationsAreErrors(String json, String message) {
        assertEquals("servers[0].listeners[0].connection_idle_timeout: " + message,
                error(listener("\"connection_idle_timeout\":" + json + ",") + "}"));
    }

    @Test
    void typeMismatchesUseTheOneFormat() {
        assertEquals("servers[0].listeners[0].bind_port: \"yes\" (expected: true or false)",
                error(listener("").replace("\"bind_port\":true", "\"bind_port\":\"yes\"") + "}"));
        assertEquals("cluster_manager.clusters[0].hosts[0].weight: 1.5 (expected: an integer from 0 to 4294967295)",
                error(withCluster("\"name\":\"a\",\"hosts\":[{\"address\":\"h:1\",\"weight\":1.5}]")));
        assertEquals("cluster_manager.clusters: {} (expected: a JSON array)",
                error(listener("") + ",\"cluster_manager\":{\"clusters\":{}}}"));
        assertEquals("servers[0].listeners[0]: \"x\" (expected: a JSON object)",
                error("{\"servers\":[{\"listeners\":[\"x\"]}]}"));
    }

    // ---- structure ----------------------------------------------------------------------------------------------

    @Test
    void exactlyOneServer() {
        assertEquals("servers: missing (expected: exactly one server)", error("{}"));
        assertEquals("servers: [] (expected: exactly one server)", error("{\"servers\":[]}"));
        assertEquals("servers: [{},{}] (expected: exactly one server; MOSN does not support several either)",
                error("{\"servers\":[{},{}]}"));
    }

    @Test
    void listenerNeedsAnAddressAndExactlyOneFilterChainWithFilters() {
        assertEquals("servers[0].listeners[0].address: missing (expected: \"host:port\", e.g. \"127.0.0.1:2045\")",
                error(listener("").replace("\"address\":\"127.0.0.1:2045\",", "") + "}"));
        assertEquals("servers[0].listeners[0].address: \"127.0.0.1\" (expected: \"host:port\" with a port from 0 to"
                        + " 65535, e.g. \"127.0.0.1:2045\" or \"[::1]:2045\")",
                error(listener("").replace("127.0.0.1:2045", "127.0.0.1") + "}"));
        assertEquals("servers[0].listeners[0].filter_chains: [{},{}] (expected: exactly one filter chain, as in MOSN)",
                error("{\"servers\":[{\"listeners\":[{\"address\":\"a:1\",\"filter_chains\":[{},{}]}]}]}"));
        assertEquals("servers[0].listeners[0].filter_chains[0].filters: missing (expected: at least one network"
                        + " filter, e.g. {\"type\": \"tcp_proxy\", \"config\": {...}})",
                error("{\"servers\":[{\"listeners\":[{\"address\":\"a:1\",\"filter_chains\":[{}]}]}]}"));
        assertEquals("servers[0].listeners[0].filter_chains[0].filters[0].type: missing (expected: a network filter"
                        + " type, e.g. \"tcp_proxy\")",
                error(listener("").replace("\"type\":\"tcp_proxy\",", "") + "}"));
        assertEquals("servers[0].listeners[0].filter_chains[0].filters[0].config: [] (expected: a JSON object)",
                error(listener("").replace("{\"cluster\":\"c\"}", "[]") + "}"));
    }

    @Test
    void listenerDefaultsFollowMosn() throws Exception {
        FerryConfig c = parse("{\"servers\":[{\"listeners\":[{\"address\":\":2045\",\"network\":\"TCP\","
                + "\"filter_chains\":[{\"filters\":[{\"type\":\"x\"}]}]},"
                + "{\"name\":\"v6\",\"address\":\"[::1]:0\",\"bind_port\":true,\"filter_chains\":[{\"filters\":[{\"type\":\"x\"}]}]}]}]}");
        ListenerConfig l = c.server().listeners().get(0);
        assertEquals(":2045", l.name(), "name defaults to the address");
        assertEquals("tcp", l.network(), "network is lower-cased");
        assertEquals("0.0.0.0", l.host(), "an empty host listens on all interfaces, as Go does");
        assertFalse(l.bindPort());
        assertTrue(l.filters().get(0).config().isEmpty());
        assertTrue(c.warnings().contains("servers[0].listeners[0].bind_port: false or absent; as in MOSN, this"
                + " listener will not listen (set \"bind_port\": true); it takes only connections handed over by a"
                + " listener with use_original_dst"), c.warnings()::toString);
        ListenerConfig v6 = c.server().listeners().get(1);
        assertEquals("::1", v6.host());
        assertEquals(0, v6.port());
    }

    @Test
    void listenerAndClusterNamesAreUnique() {
        assertEquals("servers[0].listeners[1].name: \"127.0.0.1:2045\" (expected: a unique listener name;"
                        + " servers[0].listeners[0] has it too)",
                error("{\"servers\":[{\"listeners\":[" + LISTENER_2045 + "," + LISTENER_2045 + "]}]}"));
        assertEquals("cluster_manager.clusters[1].name: \"a\" (expected: a unique cluster name;"
                        + " cluster_manager.clusters[0] has it too)",
                error(listener("") + ",\"cluster_manager\":{\"clusters\":[{\"name\":\"a\"},{\"name\":\"a\"}]}}"));
    }

    @Test
    void clusterNeedsANameAndHostsNeedAnAddress() {
        assertEquals("cluster_manager.clusters[0].name: missing (expected: a cluster name)",
                error(withCluster("\"hosts\":[]")));
        assertEquals("cluster_manager.clusters[0].hosts[0].address: missing (expected: \"ip:port\", \"hostname:port\""
                + " or \"unix:/path\")", error(withCluster("\"name\":\"a\",\"hosts\":[{\"weight\":2}]")));
    }

    @Test
    void everyMosnLbTypeIsKeptUnknownOnesAreRoundRobinAndOriginalDstClustersForceTheirBalancer() throws Exception {
        FerryConfig c = parse(listener("") + ",\"cluster_manager\":{\"clusters\":["
                + "{\"name\":\"a\",\"hosts\":[{\"address\":\"h:1\"}]},"
                + "{\"name\":\"b\",\"lb_type\":\"LB_MAGLEV\",\"hosts\":[{\"address\":\"h:1\"}]},"
                + "{\"name\":\"c\",\"lb_type\":\"LB_RANDOMM\",\"hosts\":[{\"address\":\"h:1\"}]},"
                + "{\"name\":\"d\",\"lb_type\":\"LB_PEAK_EWMA\",\"type\":\"EDS\",\"hosts\":[{\"address\":\"h:1\"}],"
                + "\"lbconfig\":{\"choice_count\":3,\"active_request_bias\":0.5}},"
                + "{\"name\":\"e\",\"type\":\"ORIGINAL_DST\",\"lb_type\":\"LB_RANDOM\"}]}}");
        assertEquals(List.of(LbType.LB_ROUNDROBIN, LbType.LB_MAGLEV, LbType.LB_ROUNDROBIN, LbType.LB_PEAK_EWMA,
                        LbType.LB_ORIGINAL_DST), c.clusters().stream().map(ClusterConfig::lbType).toList());
        assertEquals("SIMPLE", c.clusters().get(3).type());
        assertEquals(3, c.clusters().get(3).choiceCount());
        assertEquals(0.5, c.clusters().get(3).activeRequestBias());
        assertEquals(List.of(
                "cluster_manager.clusters[2].lb_type: \"LB_RANDOMM\" is unknown; using LB_ROUNDROBIN, as MOSN does",
                "cluster_manager.clusters[3].type: \"EDS\" is treated as SIMPLE, as MOSN does"), c.warnings());
    }

    @Test
    void fiveIndependentProblemsAreAllReportedInFileOrderOneLineEach() {
        String json = "{\"servers\":[{\"default_log_level\":\"INFO\",\"routers\":[{\"router_config_name\":\"r\"}],"
                + "\"listeners\":[{\"address\":\"127.0.0.1:2045\",\"bind_port\":true,"
                + "\"connection_idle_timeout\":90,"
                + "\"filter_chains\":[{\"filters\":[{\"type\":\"proxy\"},{\"type\":\"tcp_proxy\"}]}]}]}],"
                + "\"cluster_manager\":{\"clusters\":[{\"name\":\"c\",\"connect_timeout\":\"ten\","
                + "\"hosts\":[{\"address\":\"127.0.0.1:1\",\"weight\":-1}]}]},"
                + "\"dynamic_resources\":{\"ads_config\":{}}}";
        ConfigException e = assertThrows(ConfigException.class, () -> parse(json));
        assertEquals(List.of(
                "dynamic_resources: {\"ads_config\":{}} (expected: absent; xDS configuration is unsupported by Ferry's L4"
                        + " engine, use servers[] and cluster_manager)",
                "servers[0].routers: [{\"router_config_name\":\"r\"}] (expected: no routers; L7 routing is unsupported"
                        + " by Ferry's L4 engine)",
                "servers[0].listeners[0].connection_idle_timeout: 90 (expected: a duration such as \"10s\", \"300ms\""
                        + " or \"1m30s\", or 0; a bare number needs a unit)",
                "servers[0].listeners[0].filter_chains[0].filters[0].type: \"proxy\" (expected: an L4 network filter"
                        + " such as tcp_proxy; L7 (HTTP/RPC) proxying is unsupported by Ferry's L4 engine)",
                "cluster_manager.clusters[0].hosts[0].weight: -1 (expected: an integer from 0 to 4294967295)",
                "cluster_manager.clusters[0].connect_timeout: \"ten\" (expected: a duration such as \"10s\", \"300ms\""
                        + " or \"1m30s\", or 0)"), e.problems());
        assertEquals(String.join("\n", e.problems()), e.getMessage());
        FerryConfig partial = e.partial().orElseThrow();
        assertEquals(List.of("tcp_proxy"), partial.server().listeners().get(0).filters().stream()
                .map(FilterEntry::type).toList(), "what could be read is kept for the filters' own checks");
        assertEquals("c", partial.clusters().get(0).name());
    }

    @Test
    void healthCheckIsEnabledByAServiceNameWithMosnsDefaults() throws Exception {
        FerryConfig c = parse(withCluster("\"name\":\"c\",\"health_check\":{\"service_name\":\"svc\","
                + "\"interval\":\"2s\",\"healthy_threshold\":3,\"event_log_path\":\"/tmp/hc.log\"}"));
        assertEquals(new HealthCheckConfig("svc", "", Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofMillis(5), Duration.ofSeconds(1), 3, 1, "/tmp/hc.log"), c.clusters().get(0).healthCheck());
        FerryConfig off = parse(withCluster("\"name\":\"c\",\"health_check\":{\"timeout\":\"2s\"}"));
        assertNull(off.clusters().get(0).healthCheck());
        assertTrue(off.warnings().contains("cluster_manager.clusters[0].health_check: no service_name, so no health"
                + " check, as in MOSN (set \"service_name\" to enable it)"), off.warnings()::toString);
    }

    @Test
    void clustersConfigsIsADirectoryOfJsonClusterFilesReadInNameOrder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.json"), "{\"name\":\"beta\",\"type\":\"STRICT_DNS\","
                + "\"dns_refresh_rate\":\"2s\",\"hosts\":[{\"address\":\"localhost:1\"}]}");
        Files.writeString(dir.resolve("a.json"), "{\"name\":\"alpha\",\"mark\":7,\"hosts\":[{\"address\":"
                + "\"127.0.0.1:2\"}]}");
        Files.writeString(dir.resolve("empty.json"), "");
        Files.writeString(dir.resolve("notes.txt"), "not a cluster");
        String dirJson = new com.google.gson.JsonPrimitive(dir.toString()).toString();
        FerryConfig c = parse(listener("") + ",\"cluster_manager\":{\"clusters_configs\":" + dirJson + "}}");
        assertEquals(List.of("alpha", "beta"), c.clusters().stream().map(ClusterConfig::name).toList());
        assertEquals(7, c.clusters().get(0).mark());
        assertEquals(Duration.ofSeconds(2), c.clusters().get(1).dnsRefreshRate());
        assertEquals("cluster_manager.clusters_configs[\"b.json\"]", c.clusters().get(1).path());
        assertTrue(c.source().getAsJsonObject("cluster_manager").getAsJsonArray("clusters").size() == 2,
                "config_dump lists the clusters of the files");

        Files.writeString(dir.resolve("c.json"), "{\"name\":\"gamma\",\"lb_type\":7}");
        assertEquals("cluster_manager.clusters_configs[\"c.json\"].lb_type: 7 (expected: a string)",
                error(listener("") + ",\"cluster_manager\":{\"clusters_configs\":" + dirJson + "}}"));
        assertTrue(error(listener("") + ",\"cluster_manager\":{\"clusters_configs\":\"/no/such/dir\"}}")
                .startsWith("cluster_manager.clusters_configs: \"/no/such/dir\" (expected: a readable directory of"
                        + " cluster files"));
        assertEquals("cluster_manager.clusters_configs: " + dirJson + " (expected: absent when"
                        + " cluster_manager.clusters is given; MOSN allows only one of them)",
                error(listener("") + ",\"cluster_manager\":{\"clusters\":[{\"name\":\"x\"}],\"clusters_configs\":"
                        + dirJson + "}}"));
    }

    @Test
    void adminSocketAddressIsRead() throws Exception {
        FerryConfig c = parse(listener("") + ",\"admin\":{\"address\":{\"socket_address\":{\"address\":\"\","
                + "\"port_value\":34902}}}}");
        assertEquals(new AdminConfig("", 34902), c.admin().orElseThrow());
        assertEquals(List.of("admin.address.socket_address.address: the admin API listens on all interfaces;"
                + " 127.0.0.1 is recommended"), c.warnings());
        assertEquals("admin.address.socket_address.port_value: 70000 (expected: an integer from 0 to 65535)",
                error(listener("") + ",\"admin\":{\"address\":{\"socket_address\":{\"port_value\":70000}}}}"));
        assertEquals("admin.address.socket_address: missing (expected: {\"address\": \"127.0.0.1\", \"port_value\":"
                + " 34901})", error(listener("") + ",\"admin\":{}}"));
    }

    @Test
    void unknownLogLevelMeansInfoWithAWarning() throws Exception {
        FerryConfig c = parse(listener("").replace("{\"listeners\"", "{\"default_log_level\":\"info\",\"listeners\"") + "}");
        assertEquals("INFO", c.server().defaultLogLevel());
        assertEquals(List.of("servers[0].default_log_level: \"info\" is not one of TRACE, DEBUG, INFO, WARN, ERROR,"
                + " FATAL (case-sensitive, as in MOSN); using INFO"), c.warnings());
    }

    // ---- files and syntax ---------------------------------------------------------------------------------------

    @Test
    void syntaxErrorsNameTheFileLineAndColumn() {
        assertEquals("bad.json:3:6: not valid JSON: Expected ':' (expected: a MOSN JSON config)",
                assertThrows(ConfigException.class,
                        () -> MosnConfigLoader.parse("{\n  \"servers\"\n    []\n}", "bad.json")).getMessage());
        assertEquals("bad.json:1:14: not valid JSON: unexpected data after the top-level value (expected: a MOSN JSON"
                        + " config)",
                assertThrows(ConfigException.class, () -> MosnConfigLoader.parse("{\"servers\":1}x", "bad.json"))
                        .getMessage());
        assertEquals("bad.json: empty file (expected: a MOSN JSON config object)",
                assertThrows(ConfigException.class, () -> MosnConfigLoader.parse("  ", "bad.json")).getMessage());
        assertEquals("bad.json: [1] (expected: a JSON object)",
                assertThrows(ConfigException.class, () -> MosnConfigLoader.parse("[1]", "bad.json")).getMessage());
    }

    @Test
    void commentsAndOtherLenientSyntaxAreRefusedAsGoDoes() {
        String message = assertThrows(ConfigException.class,
                () -> MosnConfigLoader.parse("{\n // note\n \"servers\": []}", "c.json")).getMessage();
        assertTrue(message.startsWith("c.json:2:"), message);
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.json");
        assertEquals(missing + ": cannot read: no such file (expected: a readable MOSN JSON config file)",
                assertThrows(ConfigException.class, () -> MosnConfigLoader.load(missing)).getMessage());
        Path yaml = Files.writeString(dir.resolve("c.yaml"), "servers: []");
        assertEquals(yaml + ": a YAML file (expected: a JSON config file; convert YAML to JSON first)",
                assertThrows(ConfigException.class, () -> MosnConfigLoader.load(yaml)).getMessage());
    }

    @Test
    void theSourceTreeIsKeptForTheConfigDump() throws Exception {
        FerryConfig c = MosnConfigLoader.load(corpus("accepted/tcpproxy-sample.json"));
        assertEquals("serverCluster", c.source().getAsJsonObject("cluster_manager").getAsJsonArray("clusters").get(0)
                .getAsJsonObject().get("Name").getAsString());
    }

    // ---- metrics ------------------------------------------------------------------------------------------------

    private static String metrics(String sinks) {
        return listener("") + ",\"metrics\":{\"sinks\":[" + sinks + "]}}";
    }

    @Test
    void statsMatcherIsReadAsMosnWritesItAndGivenToEverySink() throws Exception {
        FerryConfig c = parse(listener("") + ",\"metrics\":{\"sinks\":[{\"type\":\"prometheus\",\"config\":{\"port\":1}},"
                + "{\"type\":\"prometheus\",\"config\":{\"port\":2}}],\"stats_matcher\":{\"reject_all\":false,"
                + "\"exclusion_labels\":[\"host\"],\"exclusion_keys\":[\"connection_destroy\",\"bytes_read_total\"]}}}");
        StatsMatcher m = new StatsMatcher(false, List.of("host"), List.of("connection_destroy", "bytes_read_total"));
        assertEquals(m, c.prometheus().get(0).statsMatcher());
        assertEquals(m, c.prometheus().get(1).statsMatcher());
        assertTrue(c.warnings().stream().noneMatch(w -> w.contains("stats_matcher")), c.warnings().toString());
        assertEquals(StatsMatcher.NONE, parse(metrics("{\"type\":\"prometheus\",\"config\":{\"port\":1}}"))
                .prometheus().get(0).statsMatcher());
        assertEquals(StatsMatcher.NONE, parse(listener("") + ",\"metrics\":{\"sinks\":[{\"type\":\"prometheus\","
                + "\"config\":{\"port\":1}}],\"stats_matcher\":{\"reject_all\":false,\"exclusion_labels\":[],"
                + "\"exclusion_keys\":[]}}}").prometheus().get(0).statsMatcher(), "MOSN's sample config: nothing excluded");
    }

    @Test
    void aStatsMatcherOfTheWrongShapeIsAnErrorNamingItsPath() {
        String bad = error(listener("") + ",\"metrics\":{\"sinks\":[{\"type\":\"prometheus\",\"config\":"
                + "{\"port\":1}}],\"stats_matcher\":{\"reject_all\":\"yes\",\"exclusion_labels\":[\"host\",3],"
                + "\"exclusion_keys\":\"connection_total\"}}}");
        assertTrue(bad.contains("metrics.stats_matcher.reject_all"), bad);
        assertTrue(bad.contains("metrics.stats_matcher.exclusion_labels[1]"), bad);
        assertTrue(bad.contains("a label name"), bad);
        assertTrue(bad.contains("metrics.stats_matcher.exclusion_keys"), bad);
    }

    @Test
    void statsMatcherKeysAreMosnsKeysWithOrWithoutTheTotalFerryAdds() {
        StatsMatcher m = new StatsMatcher(false, List.of(), List.of("connection_destroy", "bytes_read_total",
                "connection_total"));
        assertTrue(m.excludesName("downstream_connection_destroy"));
        assertTrue(m.excludesName("downstream_bytes_read"), "exported as downstream_bytes_read_total");
        assertTrue(m.excludesName("downstream_connection_total"));
        assertTrue(m.excludesName("upstream_connection_total"), "a key holds for every type");
        assertFalse(m.excludesName("upstream_connection_close"));
        assertFalse(m.excludesName("upstream_connection_bytes_read"), "its key is connection_bytes_read_total");
        assertFalse(m.excludesName("downstream_connection_active"));
        assertTrue(new StatsMatcher(true, List.of(), List.of()).excludesName("anything"));
    }

    @Test
    void aPrometheusSinkIsReadAsMosnWritesIt() throws Exception {
        FerryConfig c = parse(metrics("{\"type\":\"prometheus\",\"config\":{\"port\":34903,\"endpoint\":\"/metrics\","
                + "\"percentiles\":[50,90,99],\"disable_collect_process\":true}},{\"type\":\"console\"}"));
        PrometheusSinkConfig p = c.prometheus().get(0);
        assertEquals(List.of(new PrometheusSinkConfig("metrics.sinks[0]", "", 34903, "/metrics", List.of(50, 90, 99),
                false, true)), c.prometheus());
        assertEquals("/metrics", p.endpoint());
        assertTrue(c.warnings().contains("metrics.sinks[1]: accepted, ignored (sink type \"console\" is not implemented"
                + " by Ferry; prometheus is)"), c.warnings().toString());
        assertTrue(c.warnings().stream().anyMatch(w -> w.startsWith("metrics.sinks[0].config.address: the prometheus"
                + " endpoint listens on all interfaces")), c.warnings().toString());
        assertEquals("/metrics", parse(metrics("{\"type\":\"prometheus\",\"config\":{\"port\":1,\"address\":"
                + "\"127.0.0.1\"}}")).prometheus().get(0).endpoint(), "MOSN's default endpoint");
    }

    @Test
    void prometheusSinkErrorsNameThePath() {
        assertEquals("metrics.sinks[0].config.port: missing (expected: the port to serve metrics on, e.g. 34903)",
                error(metrics("{\"type\":\"prometheus\",\"config\":{}}")));
        assertEquals("metrics.sinks[0].config.export_url: \"http://gw:9091\" (expected: absent or empty; push-gateway"
                        + " mode is unsupported (by MOSN too), Ferry serves pull only)",
                error(metrics("{\"type\":\"prometheus\",\"config\":{\"port\":1,\"export_url\":\"http://gw:9091\"}}")));
        assertEquals("metrics.sinks[0].config.endpoint: \"metrics\" (expected: a path starting with /, e.g. /metrics)",
                error(metrics("{\"type\":\"prometheus\",\"config\":{\"port\":1,\"endpoint\":\"metrics\"}}")));
        assertEquals("metrics.sinks[0].config.percentiles[1]: 101 (expected: an integer from 1 to 100, e.g. 99)",
                error(metrics("{\"type\":\"prometheus\",\"config\":{\"port\":1,\"percentiles\":[50,101]}}")));
        assertEquals("metrics.sinks[1].config.port: 7 (expected: a port no other prometheus sink uses;"
                        + " metrics.sinks[0] has it too)",
                error(metrics("{\"type\":\"prometheus\",\"config\":{\"port\":7}},"
                        + "{\"type\":\"prometheus\",\"config\":{\"port\":7}}")));
    }
}
