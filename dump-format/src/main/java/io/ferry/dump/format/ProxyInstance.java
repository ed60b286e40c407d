package io.ferry.dump.format;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The id of this proxy process in dumps: {@code <host>/<pid>/<random>}. Connection ids are unique within a process
 * only, so every Ferry file names the instance that wrote it (its header), and the Kafka sink keys its records by it:
 * dumps of several runs or hosts never merge. The random part tells apart two runs with the same host name and pid
 * (a container restarted as pid 1).
 */
public final class ProxyInstance {

    private static final String ID = create();

    private ProxyInstance() {
    }

    /** This process's instance id. */
    public static String id() {
        return ID;
    }

    private static String create() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = System.getenv().getOrDefault("HOSTNAME", "unknown-host");
        }
        long pid = ProcessHandle.current().pid();
        byte[] r = new byte[4];
        new SecureRandom().nextBytes(r);
        return host + "/" + pid + "/" + HexFormat.of().formatHex(r);
    }
}
