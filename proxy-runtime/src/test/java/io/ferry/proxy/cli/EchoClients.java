package io.ferry.proxy.cli;

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
