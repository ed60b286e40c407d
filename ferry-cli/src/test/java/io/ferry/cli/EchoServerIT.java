package io.ferry.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EchoServerIT {

    @Test
    void echoesEveryByteAndFinishesAfterTheClientHalfCloses() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (EchoServer echo = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                 Socket s = new Socket()) {
                s.connect(echo.address());
                byte[] payload = new byte[300_000];
                new Random(1).nextBytes(payload);
                Thread writer = new Thread(() -> {
                    try {
                        s.getOutputStream().write(payload);
                        s.shutdownOutput();
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                writer.start();
                InputStream in = s.getInputStream();
                byte[] back = in.readAllBytes(); // returns only once the server has shut down its side
                writer.join();
                assertArrayEquals(payload, back);
                assertEquals(-1, in.read());
            }
        });
    }

    @Test
    void aBusyPortIsNamed() throws Exception {
        try (EchoServer first = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = first.address().getPort();
            IOException e = assertThrows(IOException.class,
                    () -> EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
            assertTrue(e.getMessage().startsWith("echo server: cannot listen on 127.0.0.1:" + port + ": "),
                    e.getMessage());
        }
    }
}
