package io.ferry.dump.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A standalone single-node Kafka (KRaft, {@link KafkaBroker}) for the benchmark scripts under {@code bench/}: listens on
 * 127.0.0.1 on an ephemeral port, creates the topics asked for, prints {@code bootstrap=127.0.0.1:PORT} (and writes
 * {@code 127.0.0.1:PORT} to {@code --bootstrap-file} once ready), then runs until it is sent SIGTERM/SIGINT, its
 * standard input closes ({@code --stdin}), or {@code --max-seconds} pass. Its data lives in a temporary directory
 * deleted on exit. {@code --free-port-file} also writes a 127.0.0.1 port where nothing listens (bound, then closed),
 * for a sink that should find no broker.
 *
 * <pre>
 * java -cp ... io.ferry.dump.kafka.KafkaBrokerMain [--topic NAME[:PARTITIONS]]... [--bootstrap-file FILE]
 *      [--max-seconds N] [--stdin] [--free-port-file FILE]
 * </pre>
 */
public final class KafkaBrokerMain {

    private KafkaBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        java.util.List<String[]> topics = new java.util.ArrayList<>();
        Path bootstrapFile = null;
        Path freePortFile = null;
        long maxSeconds = 3600;
        boolean stdin = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--topic" -> topics.add(args[++i].split(":", 2));
                case "--bootstrap-file" -> bootstrapFile = Path.of(args[++i]);
                case "--max-seconds" -> maxSeconds = Long.parseLong(args[++i]);
                case "--stdin" -> stdin = true;
                case "--free-port-file" -> freePortFile = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: KafkaBrokerMain [--topic NAME[:PARTITIONS]]... [--bootstrap-file FILE]"
                            + " [--max-seconds N] [--stdin] [--free-port-file FILE]");
                    System.exit(2);
                }
            }
        }
        KafkaBroker broker = KafkaBroker.start();
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                broker.close();
            } catch (Exception e) {
                System.err.println("closing the broker failed: " + e);
            }
        }, "kafka-broker-main-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String[] t : topics) {
            broker.createTopic(t[0], t.length > 1 ? Integer.parseInt(t[1]) : 1);
        }
        System.out.println("bootstrap=" + broker.bootstrapServers());
        System.out.flush();
        if (freePortFile != null) {
            int port;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            writeAtomically(freePortFile, Integer.toString(port));
        }
        if (bootstrapFile != null) {
            writeAtomically(bootstrapFile, broker.bootstrapServers());
        }
        if (stdin) {
            Thread reader = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // wait for EOF: the parent went away
                    }
                } catch (java.io.IOException ignored) {
                    // treated as EOF
                }
                stop.countDown();
            }, "kafka-broker-main-stdin");
            reader.setDaemon(true);
            reader.start();
        }
        stop.await(maxSeconds, TimeUnit.SECONDS);
        System.exit(0);                       // runs the hook, which closes the broker
    }

    /** Writes {@code text} and a newline so that a reader polling for the file never sees it half written. */
    private static void writeAtomically(Path file, String text) throws java.io.IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "kafka-broker-main", ".tmp");
        Files.writeString(tmp, text + "\n");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
