package io.ferry.proxy.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Blocking upstream servers for the tests, on 127.0.0.1 ephemeral ports or unix sockets; thread per connection. */
final class TestServers {

    private TestServers() {
    }

    /** What a server does with one accepted connection. */
    @FunctionalInterface
    interface Behaviour {
        void serve(InputStream in, OutputStream out, Runnable shutdownOutput) throws IOException;
    }

    /** Echoes every byte; on the client's FIN, sends its own FIN after the echo. */
    static final Behaviour ECHO = (in, out, shutdownOutput) -> {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
        }
        out.flush();
        shutdownOutput.run();
    };

    /** Speaks first: sends {@code name} and a newline, then echoes (the upstream a test tells apart by its name). */
    static Behaviour greeting(String name) {
        return (in, out, shutdownOutput) -> {
            out.write((name + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            ECHO.serve(in, out, shutdownOutput);
        };
    }

    /** A running server; {@link #close()} stops it and its connections. */
    static final class Server implements AutoCloseable {
        final AtomicInteger accepted = new AtomicInteger();
        final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
        private final AutoCloseable listener;
        private final String address;

        private Server(AutoCloseable listener, String address) {
            this.listener = listener;
            this.address = address;
        }

        /** The address for a cluster host: {@code 127.0.0.1:port} or {@code unix:/path}. */
        String hostAddress() {
            return address;
        }

        @Override
        public void close() throws Exception {
            listener.close();
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }

    static Server tcp(Behaviour behaviour) throws IOException {
        ServerSocket ss = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        Server server = new Server(ss, "127.0.0.1:" + ss.getLocalPort());
        serve(server, () -> !ss.isClosed(), () -> {
            Socket s = ss.accept();
            return new Accepted(s, s.getInputStream(), s.getOutputStream(), s::shutdownOutput);
        }, behaviour);
        return server;
    }

    static Server unix(Path path, Behaviour behaviour) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ss.bind(UnixDomainSocketAddress.of(path));
        Server server = new Server(() -> {
            ss.close();
            Files.deleteIfExists(path);
        }, "unix:" + path);
        serve(server, ss::isOpen, () -> {
            SocketChannel s = ss.accept();
            return new Accepted(s, Channels.newInputStream(s), Channels.newOutputStream(s), s::shutdownOutput);
        }, behaviour);
        return server;
    }

    /** One accepted connection, whatever the socket family. */
    private record Accepted(AutoCloseable socket, InputStream in, OutputStream out, IoAction shutdownOutput) {
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    @FunctionalInterface
    private interface Acceptor {
        Accepted accept() throws IOException;
    }

    /** Accepts until the listener closes, serving each connection on a thread of its own. */
    private static void serve(Server server, java.util.function.BooleanSupplier open, Acceptor acceptor,
                              Behaviour behaviour) {
        Thread t = new Thread(() -> {
            while (open.getAsBoolean()) {
                Accepted c;
                try {
                    c = acceptor.accept();
                } catch (IOException e) {
                    return;
                }
                server.accepted.incrementAndGet();
                server.open.add(c.socket());
                Thread w = new Thread(() -> {
                    try (AutoCloseable ignored = c.socket()) {
                        behaviour.serve(c.in(), c.out(), () -> {
                            try {
                                c.shutdownOutput().run();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
                    } catch (Exception e) {
                        // the peer went away
                    }
                }, "test-upstream-conn");
                w.setDaemon(true);
                w.start();
            }
        }, "test-upstream-accept");
        t.setDaemon(true);
        t.start();
    }

    /** A port on 127.0.0.1 that nothing listens on (bound, then released). */
    static int deadPort() throws IOException {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return ss.getLocalPort();
        }
    }

    /** A client socket to {@code address}, with a read timeout as a safety net. */
    static Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, 10_000);
        s.setSoTimeout(30_000);
        s.setTcpNoDelay(true);
        return s;
    }

    /** Reads until EOF; returns the number of bytes. */
    static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
        }
        return total;
    }

    /** Reads until EOF into memory. */
    static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
