package io.ferry.proxy.it;

import io.ferry.dump.tools.Capture;
import io.ferry.filter.registry.FilterRegistry;
import io.ferry.proxy.config.MosnConfigLoader;
import io.ferry.proxy.runtime.ProxyOptions;
import io.ferry.proxy.runtime.ProxyServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The sidecar scenario {@link SidecarNetnsIT} runs inside the network namespace it creates (a separate JVM, started
 * with {@code ip netns exec}): upstreams on the namespace's test addresses, Ferry with listeners that read original
 * destinations, and clients that connect to those addresses and are redirected to Ferry by the namespace's iptables
 * rules. Prints one {@code RESULT name value} line per observation for the test to check; never reaches outside the
 * namespace.
 *
 * <p>Argument: the dump directory. After its own clients it prints {@code RESULT ready} and waits for a line on
 * stdin, while the test connects from another namespace through the TPROXY rule.
 */
public final class SidecarScenario {

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_level": "WARN",
                "listeners": [
                  {"name": "sidecar", "address": "0.0.0.0:15001", "bind_port": true, "use_original_dst": "redirect",
                   "listener_filters": [{"type": "original_dst", "config": {"type": "redirect"}}],
                   "filter_chains": [{"filters": [
                     {"type": "tcpcopy", "config": {
                       "strategy": {"switch": "ON", "interval": 3600, "duration": 10, "cpu_max_rate": 99.9,
                                    "mem_max_rate": 99.9},
                       "dump": {"dir": "%s", "format": "ferry", "directions": "both", "max_bytes_per_second": 0}}},
                     {"type": "tcp_proxy", "config": {"cluster": "passthrough"}}]}]},
                  {"name": "sidecar6", "address": "[::]:15006", "bind_port": true, "use_original_dst": "redirect",
                   "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "passthrough"}}]}]},
                  {"name": "transparent", "address": "0.0.0.0:15002", "bind_port": true, "use_original_dst": "tproxy",
                   "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "passthrough"}}]}]},
                  {"name": "virtual", "address": "198.51.100.5:9090", "bind_port": false,
                   "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "v4"}}]}]},
                  {"name": "any8081", "address": "0.0.0.0:8081", "bind_port": false,
                   "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "v4"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "passthrough", "type": "ORIGINAL_DST", "lb_type": "LB_ORIGINAL_DST", "mark": 16,
                 "connect_timeout": "2s"},
                {"name": "v4", "mark": 16, "connect_timeout": "2s", "hosts": [{"address": "198.51.100.5:8080"}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 15000}}}
            }
            """;

    private SidecarScenario() {
    }

    public static void main(String[] args) throws Exception {
        Path dumpDir = Path.of(args[0]);
        List<ServerSocket> upstreams = List.of(
                upstream("v4", new InetSocketAddress("198.51.100.5", 8080)),
                upstream("v6", new InetSocketAddress("2001:db8::5", 8080)),
                upstream("tp", new InetSocketAddress("203.0.113.5", 8080)));
        try (ProxyServer proxy = ProxyServer.start(MosnConfigLoader.parse(CONFIG.formatted(dumpDir), "sidecar.json"),
                FilterRegistry.builder().build(), ProxyOptions.defaults().withTransport("epoll"))) {
            HttpResponse<String> window = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:15000/api/v1/tcpcopy/window?duration_s=60&listener=sidecar"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            result("window", Integer.toString(window.statusCode()));
            result("redirect-v4", exchange(new InetSocketAddress("198.51.100.5", 8080), "hello-v4"));
            result("redirect-v6", exchange(new InetSocketAddress("2001:db8::5", 8080), "hello-v6"));
            result("handover", exchange(new InetSocketAddress("198.51.100.5", 9090), "hello-virtual"));
            result("fallback", exchange(new InetSocketAddress("198.51.100.6", 8081), "hello-any"));
            // the test now connects from its client namespace through the TPROXY rule, then says go on
            result("ready", "");
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
            var listeners = proxy.stats().getAsJsonObject("listeners");
            for (String l : List.of("sidecar", "sidecar6", "transparent", "virtual", "any8081")) {
                result("connections-" + l, listeners.getAsJsonObject(l).get("connections_total").getAsString());
            }
            // tcpcopy recorded the redirected connection under its original destination
            long deadline = System.nanoTime() + 20_000_000_000L;
            String captured = "";
            while (System.nanoTime() < deadline) {
                StringBuilder sb = new StringBuilder();
                try {
                    for (Capture.Conn c : Capture.read(dumpDir).connections().values()) {
                        sb.append(c.local).append('|').append(new String(c.bytes(io.ferry.dump.format.FerryRecord.INBOUND), StandardCharsets.US_ASCII).strip())
                                .append(';');
                    }
                } catch (IOException | RuntimeException e) {
                    sb.setLength(0);
                }
                captured = sb.toString();
                if (captured.contains("hello-v4")) {
                    break;
                }
                Thread.sleep(50);
            }
            result("captured", captured);
        } finally {
            for (ServerSocket s : upstreams) {
                s.close();
            }
        }
    }

    private static void result(String name, String value) {
        System.out.println("RESULT " + name + " " + value);
        System.out.flush();
    }

    /** An upstream that answers each line with its name, the address it was reached at, and the line. */
    private static ServerSocket upstream(String name, InetSocketAddress at) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(at, 64);
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    Thread w = new Thread(() -> {
                        try (s) {
                            String line = readLine(s.getInputStream());
                            InetSocketAddress local = (InetSocketAddress) s.getLocalSocketAddress();
                            s.getOutputStream().write((name + "@" + local.getAddress().getHostAddress() + ":"
                                    + local.getPort() + ":" + line + "\n").getBytes(StandardCharsets.US_ASCII));
                        } catch (IOException ignored) {
                            // the client went away
                        }
                    });
                    w.setDaemon(true);
                    w.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return ss;
    }

    /** Connects to {@code to} (the iptables rules send it to Ferry), sends a line, returns the answer. */
    private static String exchange(InetSocketAddress to, String line) {
        try (Socket s = new Socket()) {
            s.connect(to, 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = readLine(s.getInputStream());
            return answer.isEmpty() ? "(closed)" : answer;
        } catch (IOException e) {
            return "(failed: " + e.getMessage() + ")";
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            sb.append((char) c);
        }
        return sb.toString();
    }
}
