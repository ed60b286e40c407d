package io.ferry.proxy.admin;

import com.google.gson.JsonObject;
import io.ferry.proxy.config.AdminConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow and half-sent requests cannot starve the admin API: they hold no thread, they are cut off after the header or
 * body timeout with {@code 408}, and beyond the connection cap a new connection gets {@code 503} at once.
 */
class AdminAvailabilityIT {

    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration BODY_TIMEOUT = Duration.ofMillis(1500);

    private final List<Socket> sockets = new ArrayList<>();
    private AdminServer admin;
    private InetSocketAddress address;

    private void start(int maxConnections) throws IOException {
        admin = new AdminServer(new AdminConfig("127.0.0.1", 0), new JsonObject(), JsonObject::new,
                new HttpLimits(HEADER_TIMEOUT, BODY_TIMEOUT, maxConnections));
        address = admin.start();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(address, 5_000);
        s.setSoTimeout(20_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Everything the server sends until it closes the connection. */
    private static String readToClose(Socket s) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] b = new byte[4096];
        for (int n; (n = in.read(b)) >= 0; ) {
            all.write(b, 0, n);
        }
        return all.toString(StandardCharsets.US_ASCII);
    }

    /** One request on a fresh connection with {@code Connection: close}: the whole response. */
    private String get(String path) throws IOException {
        Socket s = connect();
        send(s, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        return readToClose(s);
    }

    private static boolean closedByPeer(Socket s) throws IOException {
        s.setSoTimeout(1);
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } finally {
            s.setSoTimeout(20_000);
        }
    }

    @Test
    void twoClientsHoldingHalfSentRequestsDoNotDelayVersionBeyondTheHeaderTimeout() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            start(64);
            Socket slow1 = connect();
            Socket slow2 = connect();
            send(slow1, "GET /api/v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\n");   // no blank line: never complete
            send(slow2, "POST /api/v1/tcpcopy/window HTTP/1.1\r\nHo");

            String version = get("/api/v1/version");

            assertTrue(version.startsWith("HTTP/1.1 200 "), version);
            assertTrue(version.endsWith("ferry version: " + FerryVersion.get()), version);
            assertTrue(!closedByPeer(slow1) && !closedByPeer(slow2),
                    "version was answered while both half-sent requests were still held, before their timeout");

            String cut1 = readToClose(slow1);   // then the header timeout ends them
            String cut2 = readToClose(slow2);
            assertTrue(cut1.startsWith("HTTP/1.1 408 "), cut1);
            assertTrue(cut1.contains("request header not received within 3000 ms"), cut1);
            assertTrue(cut2.startsWith("HTTP/1.1 408 "), cut2);
        });
    }

    @Test
    void aBodyThatStopsHalfWayIsCutOffAfterTheBodyTimeout() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            start(64);
            Socket s = connect();
            send(s, "PUT /api/v1/nope HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789");
            assertEquals("HTTP/1.1 200 ", get("/api/v1/version").substring(0, 13), "others are served meanwhile");
            String cut = readToClose(s);
            assertTrue(cut.startsWith("HTTP/1.1 408 "), cut);
            assertTrue(cut.contains("request body not received within 1500 ms"), cut);
        });
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheHeaderTimeoutAndServedUntilThen() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            start(64);
            Socket s = connect();
            send(s, "GET /api/v1/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /api/v1/version HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\n\r\n");
            String both = readToClose(s);
            assertEquals(2, both.split("HTTP/1.1 200 ", -1).length - 1, "two pipelined requests, in order: " + both);
            assertTrue(both.contains("HTTP/1.1 408 "), "then the idle connection is closed: " + both);
        });
    }

    @Test
    void beyondTheConnectionCapANewConnectionGets503AtOnceAndTheNextFreeSlotServes() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            start(3);
            List<Socket> idle = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                idle.add(connect());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String refused = get("/api/v1/version");
            while (!refused.startsWith("HTTP/1.1 503 ") && System.nanoTime() < deadline) {
                refused = get("/api/v1/version"); // the server may not have counted the idle ones yet
            }
            assertTrue(refused.startsWith("HTTP/1.1 503 "), refused);
            assertTrue(refused.contains("too many connections (at most 3)"), refused);

            idle.get(0).close();
            String served = get("/api/v1/version");
            while (!served.startsWith("HTTP/1.1 200 ") && System.nanoTime() < deadline) {
                Thread.sleep(10);
                served = get("/api/v1/version");
            }
            assertTrue(served.startsWith("HTTP/1.1 200 "), served);
        });
    }
}
