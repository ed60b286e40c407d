package io.ferry.tcpcopy.pcapng;

import io.ferry.tcpcopy.record.Endpoint;
import io.ferry.tcpcopy.record.FerryRecord;
import io.ferry.tcpcopy.tools.Capture;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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
 *   <li>Sequence numbers run on across windows and any bytes that were not captured: the stream contains exactly
 *       the captured bytes.</li>
 *   <li>Each packet carries {@code epb_flags} (inbound or outbound, seen from the proxy) and an {@code opt_comment}
 *       {@code ferry window=<id> connection=<id> listener=<name>}, then {@code instance=<id>} when the dump records the
 *       proxy instance (read from Kafka; the connection id is then the displayed one, see {@link Capture}).</li>
 * </ul>
 * Timestamps are the records' capture times in microseconds. Records are converted in file order.
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
        Session session = new Session();
        long packets = 0;
        for (FerryRecord r : capture.records()) {
            packets += session.packets(r, w, capture.instance(r.connectionId()));
        }
        out.flush();
        return packets;
    }

    /**
     * The TCP state of the conversations in one pcapng stream: feed it the Ferry records in order, it writes the
     * packets for each. Used by the converter and by the live {@code "format": "pcapng"} writer. Not thread-safe.
     */
    public static final class Session {

        private static final byte[] NONE = new byte[0];
        private final Map<Long, Endpoint[]> addresses = new HashMap<>();
        private final Map<Long, TcpSynthesizer> streams = new HashMap<>();

        /** Writes the packets of {@code r} (none for TRUNCATED, DROPPED and unknown types); returns how many. */
        public int packets(FerryRecord r, PcapngWriter w) throws IOException {
            return packets(r, w, "");
        }

        /** As {@link #packets(FerryRecord, PcapngWriter)}; a non-empty {@code instance} is added to the comment. */
        public int packets(FerryRecord r, PcapngWriter w, String instance) throws IOException {
            if (r.type() == FerryRecord.OPEN) {
                addresses.putIfAbsent(r.connectionId(), new Endpoint[] {r.remote(), r.local()});
            }
            if (r.type() != FerryRecord.DATA && r.type() != FerryRecord.CLOSE && r.type() != FerryRecord.OPEN) {
                return 0;
            }
            String comment = "ferry window=" + r.window() + " connection=" + r.connectionId() + " listener=" + r.listener()
                    + (instance.isEmpty() ? "" : " instance=" + instance);
            TcpSynthesizer t = streams.get(r.connectionId());
            long ts = r.timeMicros();
            int packets = 0;
            if (t == null) {
                if (r.type() == FerryRecord.CLOSE) {
                    addresses.remove(r.connectionId());
                    return 0;
                }
                Endpoint[] ends = addresses.getOrDefault(r.connectionId(),
                        new Endpoint[] {Endpoint.UNKNOWN_ENDPOINT, Endpoint.UNKNOWN_ENDPOINT});
                t = synthesizer(r.connectionId(), ends[0], ends[1]);
                streams.put(r.connectionId(), t);
                w.packet(ts, t.segment(true, TcpSynthesizer.SYN, NONE, 0, 0), PcapngWriter.INBOUND, comment);
                w.packet(ts, t.segment(false, TcpSynthesizer.SYN | TcpSynthesizer.ACK, NONE, 0, 0),
                        PcapngWriter.OUTBOUND, comment);
                w.packet(ts, t.segment(true, TcpSynthesizer.ACK, NONE, 0, 0), PcapngWriter.INBOUND, comment);
                packets += 3;
            }
            if (r.type() == FerryRecord.DATA) {
                boolean fromClient = r.direction() != FerryRecord.OUTBOUND;
                byte[] p = r.payload();
                for (int off = 0; off < p.length; off += TcpSynthesizer.MAX_SEGMENT) {
                    int len = Math.min(TcpSynthesizer.MAX_SEGMENT, p.length - off);
                    w.packet(ts, t.segment(fromClient, TcpSynthesizer.PSH | TcpSynthesizer.ACK, p, off, len),
                            fromClient ? PcapngWriter.INBOUND : PcapngWriter.OUTBOUND, comment);
                    packets++;
                }
            } else if (r.type() == FerryRecord.CLOSE) {
                w.packet(ts, t.segment(true, TcpSynthesizer.FIN | TcpSynthesizer.ACK, NONE, 0, 0), PcapngWriter.INBOUND, comment);
                w.packet(ts, t.segment(false, TcpSynthesizer.FIN | TcpSynthesizer.ACK, NONE, 0, 0), PcapngWriter.OUTBOUND, comment);
                w.packet(ts, t.segment(true, TcpSynthesizer.ACK, NONE, 0, 0), PcapngWriter.INBOUND, comment);
                packets += 3;
                streams.remove(r.connectionId());
                addresses.remove(r.connectionId());
            }
            return packets;
        }
    }

    private static TcpSynthesizer synthesizer(long id, Endpoint client, Endpoint server) {
        int clientIsn = (int) (0x10000000L + id * 7919L);
        int serverIsn = (int) (0x50000000L + id * 104729L);
        if (client.isIp() && server.isIp()) {
            byte[] ci = client.address();
            byte[] si = server.address();
            if (ci.length != si.length) {
                ci = TcpSynthesizer.asV6(client);
                si = TcpSynthesizer.asV6(server);
            }
            return new TcpSynthesizer(ci, client.port(), si, server.port(), clientIsn, serverIsn);
        }
        return new TcpSynthesizer(new byte[] {127, 0, 0, 2}, syntheticClientPort(id), new byte[] {127, 0, 0, 1}, 9,
                clientIsn, serverIsn);
    }

    /** The client port given to a connection without IP addresses: {@code 1024 + id % 64000}. */
    public static int syntheticClientPort(long id) {
        return 1024 + (int) Math.floorMod(id, 64000L);
    }
}
