import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A shadow that accepts connections and never reads them (nor closes them), for bench/ferry-bench.sh
 * serve-mirror-blackhole: {@code java bench/Blackhole.java PORT}. Its receive buffer is small, so the kernel absorbs
 * little and a mirror's shadow buffer fills.
 */
public final class Blackhole {
    public static void main(String[] args) throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(8192);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 1024);
            while (true) {
                Socket s = server.accept();
                held.add(s);
                if (held.size() > 10_000) {
                    held.remove(0).close();
                }
            }
        }
    }
}
