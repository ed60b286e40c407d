package io.ferry.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The client side of the capture end-to-end tests: a window opened through the admin API, echo clients. */
final class EchoClients {

    private EchoClients() {
    }

    /** {@code POST /api/v1/tcpcopy/window?duration_s=N&listener=NAME} on the proxy's admin address. */
    /**
     * A MOSN config with one listener, {@code copied}, on an ephemeral port: tcpcopy (switch ON, Ferry format, both
     * directions, no capture budget, dumping to {@code dumpDir}, plus {@code moreDump}, e.g. a {@code "sinks"} entry)
     * in front of tcp_proxy to {@code upstream}, and an admin API on an ephemeral port.
     */
    static String captureConfig(java.nio.file.Path dumpDir, String moreDump, InetSocketAddress upstream) {
        return """
                {
                  "servers": [{
                    "default_log_level": "WARN",
                    "listeners": [{
                      "name": "copied", "address": "127.0.0.1:0", "bind_port": true,
                      "filter_chains": [{"filters": [
                        {"type": "tcpcopy", "config": {
                          "strategy": {"switch": "ON", "interval": 3600, "duration": 10,
                                       "cpu_max_rate": 99.9, "mem_max_rate": 99.9},
                          "dump": {"dir": "%s", "format": "ferry", "directions": "both", "max_bytes_per_second": 0%s}}},
                        {"type": "tcp_proxy", "config": {"cluster": "echo"}}
                      ]}]
                    }]
                  }],
                  "cluster_manager": {"clusters": [{"name": "echo", "lb_type": "LB_ROUNDROBIN",
                                                    "hosts": [{"address": "127.0.0.1:%d"}]}]},
                  "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}}
                }
                """.formatted(dumpDir.toString().replace("\\", "\\\\"),
                moreDump.isEmpty() ? "" : ", " + moreDump, upstream.getPort());
    }

    static void openWindow(InetSocketAddress admin, String listener, int seconds) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + admin.getPort() + "/api/v1/tcpcopy/window?duration_s=" + seconds
                                + "&listener=" + listener))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    /**
     * One client through an echo: {@code messages} messages of random sizes (up to 2,000 bytes, message
     * {@code big} up to {@code bigMax}), each read back and checked; returns its local port and what it sent.
     */
    static Map.Entry<Integer, byte[]> client(InetSocketAddress listener, int seed, int messages, int big, int bigMax)
            throws IOException {
        Random random = new Random(seed);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        try (Socket s = new Socket()) {
            s.connect(listener, 10_000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            for (int m = 0; m < messages; m++) {
                byte[] msg = new byte[1 + random.nextInt(m == big ? bigMax : 2_000)];
                random.nextBytes(msg);
                out.write(msg);
                byte[] back = new byte[msg.length];
                in.readFully(back);
                assertArrayEquals(msg, back, "the client's echo is unaffected");
                sent.write(msg);
            }
            return Map.entry(s.getLocalPort(), sent.toByteArray());
        }
    }
}
