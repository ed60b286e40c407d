package io.ferry.proxy.it;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * MOSN's sidecar mode end to end, in a network namespace this test creates (and deletes), with iptables rules it
 * installs there: clients connect to arbitrary test addresses (TEST-NET 198.51.100.0/24, 203.0.113.0/24 and
 * 2001:db8::/32, assigned to the namespace's loopback), iptables {@code REDIRECT}s (IPv4 and IPv6) or {@code TPROXY}s
 * them to Ferry, and Ferry forwards each to the upstream at its original destination (an ORIGINAL_DST cluster whose
 * {@code mark} exempts Ferry's own connections from the redirect), hands connections to the listener bound to the
 * original destination, or falls back to the one on {@code 0.0.0.0} and the original port. tcpcopy records the
 * redirected connection under its original destination. No packet leaves the namespace.
 *
 * <p>Needs Linux, root, {@code ip} (iproute2) and {@code iptables}; {@code .ci/run} installs the tools. Elsewhere the
 * test is skipped and says why.
 */
class SidecarNetnsIT {

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
        return out;
    }

    private static boolean works(String... command) {
        try {
            run(List.of(command));
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void redirectedAndTransparentConnectionsReachTheirOriginalDestinationsThroughFerry(@TempDir Path dumpDir)
            throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "network namespaces are Linux's");
        assumeTrue(Epoll.isAvailable(), "SO_ORIGINAL_DST needs the native epoll transport, which does not load here");
        assumeTrue(works("sh", "-c", "[ \"$(id -u)\" = 0 ]"), "creating a network namespace needs root");
        assumeTrue(works("ip", "-V"), "the ip command (iproute2) is not installed");
        assumeTrue(works("iptables", "--version"), "iptables is not installed");
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        String ns = "ferry-it-" + id;
        String clientNs = "ferry-itc-" + id;
        assumeTrue(works("ip", "netns", "add", ns), "cannot create a network namespace here");
        try {
            run(List.of("ip", "netns", "add", clientNs));
            List<List<String>> setup = List.of(
                    List.of("ip", "-n", ns, "link", "set", "lo", "up"),
                    // every address of 198.51.100.0/24 is local in the namespace (so clients can aim anywhere in it)
                    List.of("ip", "-n", ns, "route", "add", "local", "198.51.100.0/24", "dev", "lo"),
                    List.of("ip", "-n", ns, "addr", "add", "203.0.113.5/32", "dev", "lo"),
                    List.of("ip", "-n", ns, "-6", "addr", "add", "2001:db8::5/128", "dev", "lo", "nodad"),
                    // REDIRECT: every TCP connection to the test nets goes to Ferry, except Ferry's own (mark 16)
                    ipt(ns, "iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "198.51.100.0/24", "-m",
                            "mark", "--mark", "16", "-j", "RETURN"),
                    ipt(ns, "iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "198.51.100.0/24", "-j",
                            "REDIRECT", "--to-ports", "15001"),
                    ipt(ns, "ip6tables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "2001:db8::/32", "-m", "mark",
                            "--mark", "16", "-j", "RETURN"),
                    ipt(ns, "ip6tables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "2001:db8::/32", "-j",
                            "REDIRECT", "--to-ports", "15006"),
                    // TPROXY: a client namespace behind a veth pair (TEST-NET-1 192.0.2.0/24) routes 203.0.113.0/24
                    // through the proxy's namespace, where TPROXY hands its connections to Ferry's transparent
                    // listener
                    List.of("ip", "link", "add", "fi" + id, "netns", clientNs, "type", "veth", "peer", "name",
                            "fo" + id, "netns", ns),
                    List.of("ip", "-n", clientNs, "link", "set", "lo", "up"),
                    List.of("ip", "-n", clientNs, "addr", "add", "192.0.2.1/24", "dev", "fi" + id),
                    List.of("ip", "-n", clientNs, "link", "set", "fi" + id, "up"),
                    List.of("ip", "-n", clientNs, "route", "add", "203.0.113.0/24", "via", "192.0.2.2"),
                    List.of("ip", "-n", ns, "addr", "add", "192.0.2.2/24", "dev", "fo" + id),
                    List.of("ip", "-n", ns, "link", "set", "fo" + id, "up"));
            for (List<String> c : setup) {
                run(c);
            }
            boolean tproxy = works("ip", "-n", ns, "rule", "add", "fwmark", "1", "lookup", "100")
                    && works("ip", "-n", ns, "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "100")
                    && works(ipt(ns, "iptables", "-t", "mangle", "-A", "PREROUTING", "-i", "fo" + id, "-p", "tcp",
                    "-d", "203.0.113.0/24", "-j", "TPROXY", "--on-port", "15002", "--tproxy-mark", "1")
                    .toArray(String[]::new));
            if (!tproxy) {
                System.out.println("SidecarNetnsIT: the TPROXY target is not available in this kernel; the tproxy"
                        + " listener is checked for startup only");
            }

            List<String> child = List.of("ip", "netns", "exec", ns,
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SidecarScenario.class.getName(), dumpDir.toString());
            Process p = new ProcessBuilder(child).redirectErrorStream(true).start();
            StringBuilder output = new StringBuilder();
            Map<String, String> results = new HashMap<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    output.append(line).append('\n');
                    if (line.startsWith("RESULT ")) {
                        String[] parts = line.split(" ", 3);
                        results.put(parts[1], parts.length > 2 ? parts[2] : "");
                        if (parts[1].equals("ready")) {
                            if (tproxy) {
                                results.put("tproxy", client(clientNs));
                            }
                            p.getOutputStream().write('\n');
                            p.getOutputStream().flush();
                        }
                    }
                }
            } finally {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            assertEquals(0, p.exitValue(), output.toString());
            String all = output.toString();
            assertEquals("200", results.get("window"), all);
            assertEquals("v4@198.51.100.5:8080:hello-v4", results.get("redirect-v4"), all);
            assertEquals("v6@2001:db8:0:0:0:0:0:5:8080:hello-v6", results.get("redirect-v6"), all);
            assertEquals("v4@198.51.100.5:8080:hello-virtual", results.get("handover"),
                    "handed over to the bind_port:false listener of 198.51.100.5:9090\n" + all);
            assertEquals("v4@198.51.100.5:8080:hello-any", results.get("fallback"),
                    "handed over to the 0.0.0.0:8081 listener\n" + all);
            assertEquals("1", results.get("connections-virtual"), all);
            assertEquals("1", results.get("connections-any8081"), all);
            assertEquals("1", results.get("connections-sidecar"), all);
            assertEquals("1", results.get("connections-sidecar6"), all);
            assertTrue(results.get("captured").contains("198.51.100.5:8080|hello-v4"),
                    "tcpcopy records the connection under its original destination\n" + all);
            if (tproxy) {
                assertEquals("tp@203.0.113.5:8080:hello-tproxy", results.get("tproxy"), all);
                assertEquals("1", results.get("connections-transparent"), all);
            }
        } finally {
            works("ip", "netns", "del", clientNs);
            works("ip", "netns", "del", ns);
        }
    }

    /** A client in the client namespace: connects to 203.0.113.5:8080, sends a line, returns the answer. */
    private static String client(String clientNs) {
        try {
            return run(List.of("ip", "netns", "exec", clientNs, "timeout", "10", "bash", "-c",
                    "exec 3<>/dev/tcp/203.0.113.5/8080 && echo hello-tproxy >&3 && head -1 <&3")).strip();
        } catch (IOException | InterruptedException e) {
            return "(failed: " + e.getMessage() + ")";
        }
    }

    private static List<String> ipt(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return c;
    }
}
