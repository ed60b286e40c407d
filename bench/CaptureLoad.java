import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Offers echo conversations to a proxy running tcpcopy at a paced rate, checks every echoed byte, then reads the
 * proxy's tcpcopy counters: how many conversations were captured complete, abandoned or refused at that rate.
 *
 * <pre>
 * java bench/CaptureLoad.java --port 19010 --admin 20010 --listener bench --rate 50 --size 262144 \
 *     --concurrency 16 --seconds 20
 * </pre>
 * {@code --rate} is the client's payload in MB/s (10^6 B/s); the proxy relays it both ways, so the capture sees twice
 * that. Loopback only.
 */
public final class CaptureLoad {

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        int port = Integer.parseInt(o.getOrDefault("--port", "19010"));
        int admin = Integer.parseInt(o.getOrDefault("--admin", "20010"));
        String listener = o.getOrDefault("--listener", "bench");
        double rate = Double.parseDouble(o.getOrDefault("--rate", "10")) * 1e6;
        int size = Integer.parseInt(o.getOrDefault("--size", "262144"));
        int concurrency = Integer.parseInt(o.getOrDefault("--concurrency", "16"));
        double seconds = Double.parseDouble(o.getOrDefault("--seconds", "20"));

        long intervalNanos = (long) (size / rate * 1e9);           // one conversation started every interval
        long start = System.nanoTime() + 50_000_000L;
        long end = start + (long) (seconds * 1e9);
        AtomicLong nextSlot = new AtomicLong(start);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong late = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        byte[] pattern = new byte[size + 4096];
        new Random(1).nextBytes(pattern);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            int seed = w;
            Thread t = new Thread(() -> {
                Random r = new Random(seed);
                byte[] back = new byte[size];
                while (true) {
                    long slot = nextSlot.getAndAdd(intervalNanos);
                    if (slot >= end) {
                        return;
                    }
                    long wait = slot - System.nanoTime();
                    if (wait > 0) {
                        sleepNanos(wait);
                    } else if (wait < -100_000_000L) {
                        late.incrementAndGet();                // the offered rate could not be kept
                    }
                    int off = r.nextInt(4096);
                    try (Socket s = new Socket()) {
                        s.setTcpNoDelay(true);
                        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                        s.setSoTimeout(30_000);
                        OutputStream out = s.getOutputStream();
                        InputStream in = s.getInputStream();
                        Thread reader = new Thread(() -> {
                            try {
                                new DataInputStream(in).readFully(back);
                            } catch (IOException e) {
                                Arrays.fill(back, 0, Math.min(1, back.length), (byte) ~pattern[off]);
                            }
                        });
                        reader.start();
                        out.write(pattern, off, size);
                        s.shutdownOutput();
                        reader.join();
                        if (!Arrays.equals(back, 0, size, pattern, off, off + size) || in.read() != -1) {
                            failed.incrementAndGet();
                        } else {
                            done.incrementAndGet();
                            bytes.addAndGet(size);
                        }
                    } catch (IOException | InterruptedException e) {
                        failed.incrementAndGet();
                    }
                }
            }, "load-" + w);
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        double took = (System.nanoTime() - start) / 1e9;
        // the counters once every capture has ended
        String stats = "";
        for (int i = 0; i < 200; i++) {
            stats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + admin + "/api/v1/stats")).build(), HttpResponse.BodyHandlers.ofString()).body();
            Long capturing = counter(stats, listener, "connections_capturing");
            if (capturing == null || capturing == 0) {
                break;
            }
            Thread.sleep(50);
        }
        System.out.printf("offered %.1f MB/s of payload (%d B per conversation, %d workers) for %.0f s:"
                        + " %d conversations echoed intact (%.1f MB/s), %d failed, %d started late%n",
                rate / 1e6, size, concurrency, seconds, done.get(), bytes.get() / took / 1e6, failed.get(),
                late.get());
        StringBuilder counters = new StringBuilder();
        Matcher m = Pattern.compile("\"(connections_[a-z_]+|captured_bytes|written_bytes|dropped_[a-z_]+)\"\\s*:\\s*(\\d+)")
                .matcher(section(stats, listener));
        while (m.find()) {
            if (!m.group(2).equals("0")) {
                counters.append(' ').append(m.group(1)).append('=').append(m.group(2));
            }
        }
        System.out.println("tcpcopy." + listener + ":" + counters);
        System.exit(failed.get() == 0 ? 0 : 1);
    }

    private static String section(String stats, String listener) {
        int at = stats.indexOf("\"tcpcopy." + listener + "\"");
        if (at < 0) {
            return "";
        }
        int close = stats.indexOf('}', at);
        return stats.substring(at, close < 0 ? stats.length() : close);
    }

    private static Long counter(String stats, String listener, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+)").matcher(section(stats, listener));
        return m.find() ? Long.parseLong(m.group(1)) : null;
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
