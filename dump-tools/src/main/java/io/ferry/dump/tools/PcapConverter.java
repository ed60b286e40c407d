package io.ferry.dump.tools;

import io.ferry.dump.format.pcapng.PcapngSession;
import io.ferry.dump.format.pcapng.PcapngWriter;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Converts a dump ({@link Capture}) to pcapng: one synthetic TCP conversation per captured connection, so that
 * Wireshark's and tshark's "Follow TCP stream" give back the bytes each side sent.
 *
 * <ul>
 *   <li>Addresses and ports are the connection's real ones from its {@code OPEN} record: the client is the remote
 *       address, the server the proxy's listener address. When either end is not an IP address (a unix socket, or no
 *       {@code OPEN} record seen, as in Layotto dumps) the conversation gets synthetic ones: client
 *       {@code 127.0.0.2}, server {@code 127.0.0.1}, client port {@code 1024 + id % 64000}, server port {@code 9}
 *       (discard); if one end is IPv6 and the other IPv4, both become IPv6 ({@code ::ffff:a.b.c.d}).</li>
 *   <li>A SYN, SYN-ACK, ACK precede the first record of a connection; a {@code CLOSE} record becomes FIN-ACK from
 *       the client, FIN-ACK from the server, ACK. Each {@code DATA} record becomes PSH-ACK segments of at most
 *       65,495 payload bytes, in the client's ({@code inbound}) or the server's ({@code outbound}) direction.</li>
 *   <li>A capture that ends without a {@code CLOSE} ({@code TRUNCATED}, {@code ABANDONED}, or no end record when the
 *       dump ends) ends its stream with a RST from the server at the point where capture stops.</li>
 *   <li>Sequence numbers run on across windows and any bytes that were not captured: the stream contains exactly
 *       the captured bytes.</li>
 *   <li>Each packet carries {@code epb_flags} (inbound or outbound, seen from the proxy) and an {@code opt_comment}
 *       {@code ferry window=<id> connection=<id> listener=<name> instance=<id>} (the instance when the dump names it;
 *       the connection id is the displayed one, see {@link Capture}). The comments also say what a capture lacks: the
 *       first packet of a connection that is not complete carries its status ({@code | capture abandoned at 2048 B:
 *       rate_limit}), a segment after a hole says which bytes are missing before it, and the RST or FIN where
 *       capture stops says why it stops there.</li>
 * </ul>
 * Timestamps are the records' capture times in microseconds. Records are converted in dump order; a dump read with
 * {@link Capture#scan} is converted as its files are read again, in memory independent of their size.
 */
public final class PcapConverter {

    private PcapConverter() {
    }

    /** Writes {@code capture} to {@code out} as pcapng; returns the number of packets written. */
    public static long convert(Capture capture, Path out) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
            return convert(capture, os);
        }
    }

    /** Writes {@code capture} to {@code out} as pcapng (does not close it); returns the number of packets. */
    public static long convert(Capture capture, OutputStream out) throws IOException {
        PcapngWriter w = new PcapngWriter(out, PcapngWriter.INTERFACE_NAME, true);
        PcapngSession session = new PcapngSession();
        long[] packets = new long[1];
        capture.forEachRecord((conn, r, last) -> {
            String instance = conn == null ? "" : conn.instance;
            String note = null;
            if (conn != null && !conn.status().complete()) {
                note = conn.status().end() == Capture.End.UNKNOWN
                        ? "a Layotto dump_tcp_copy.log records no direction: all its bytes are shown as the client's"
                        : "capture " + conn.status().text();
            }
            packets[0] += session.packets(r, w, instance, note);
            if (last && conn.status().end() == Capture.End.OPEN_AT_END) {
                packets[0] += session.reset(r.connectionId(), r.timeMicros(), w,
                        "capture stops here: open when the dump ends");
            }
        });
        out.flush();
        return packets[0];
    }
}
