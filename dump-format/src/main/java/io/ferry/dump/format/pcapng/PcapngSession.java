package io.ferry.dump.format.pcapng;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryRecord;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The TCP state of the conversations in one pcapng stream: feed it the Ferry records in order, it writes the
 * packets for each. Used by {@code ferry dump pcap} (dump-tools' converter) and by the live {@code "format": "pcapng"} writer, for every record
 * type: {@code OPEN} and {@code DATA} (a handshake first), {@code CLOSE} (FIN), {@code TRUNCATED} and
 * {@code ABANDONED} (a RST saying why), none for {@code DROPPED}, {@code REFUSED} and types of a newer minor
 * version. It follows each direction's stream offsets, so the comments say where bytes are missing. Not
 * thread-safe.
 */
public final class PcapngSession {

    private static final byte[] NONE = new byte[0];

    /** One conversation: its TCP state, the next stream offset per direction, its comment. */
    private static final class Stream {
        final TcpSynthesizer tcp;
        final String comment;
        /** Next expected offset, inbound and outbound; NOT_CAPTURED for a direction not recorded. */
        final long[] next;
        final long[] start;

        Stream(TcpSynthesizer tcp, String comment, long[] start) {
            this.tcp = tcp;
            this.comment = comment;
            this.start = start.clone();
            this.next = start.clone();
        }
    }

    private final Map<Long, FerryRecord> opens = new HashMap<>();
    private final Map<Long, Stream> streams = new HashMap<>();

    /** Writes the packets of {@code r}; returns how many. */
    public int packets(FerryRecord r, PcapngWriter w) throws IOException {
        return packets(r, w, "", null);
    }

    /** As {@link #packets(FerryRecord, PcapngWriter)}; a non-empty {@code instance} is added to the comments. */
    public int packets(FerryRecord r, PcapngWriter w, String instance) throws IOException {
        return packets(r, w, instance, null);
    }

    /**
     * As {@link #packets(FerryRecord, PcapngWriter, String)}; a non-null {@code note} is added to the comment of
     * the connection's first packet when this record starts its conversation (the converter puts the status of
     * an incomplete capture there).
     */
    public int packets(FerryRecord r, PcapngWriter w, String instance, String note) throws IOException {
        long id = r.connectionId();
        switch (r.type()) {
            case FerryRecord.OPEN -> {
                opens.putIfAbsent(id, r);
                if (streams.containsKey(id)) {
                    return 0;       // a second OPEN of the same connection: its conversation goes on
                }
                return start(r, w, instance, note);
            }
            case FerryRecord.DATA -> {
                int n = streams.containsKey(id) ? 0 : start(r, w, instance, note);
                return n + data(streams.get(id), r, w);
            }
            case FerryRecord.CLOSE -> {
                Stream s = streams.remove(id);
                opens.remove(id);
                if (s == null) {
                    return 0;
                }
                String missing = missing(s, r);
                String c = missing.isEmpty() ? s.comment : s.comment + " | capture incomplete: " + missing;
                long ts = r.timeMicros();
                w.packet(ts, s.tcp.segment(true, TcpSynthesizer.FIN | TcpSynthesizer.ACK, NONE, 0, 0),
                        PcapngWriter.INBOUND, c);
                w.packet(ts, s.tcp.segment(false, TcpSynthesizer.FIN | TcpSynthesizer.ACK, NONE, 0, 0),
                        PcapngWriter.OUTBOUND, c);
                w.packet(ts, s.tcp.segment(true, TcpSynthesizer.ACK, NONE, 0, 0), PcapngWriter.INBOUND, c);
                return 3;
            }
            case FerryRecord.TRUNCATED, FerryRecord.ABANDONED -> {
                Stream s = streams.get(id);
                opens.remove(id);
                if (s == null) {
                    return 0;
                }
                long captured = 0;
                for (int d = 0; d < 2; d++) {
                    long at = d == 0 ? r.inbound() : r.outbound();
                    if (s.start[d] != FerryRecord.NOT_CAPTURED && at >= 0) {
                        captured += Math.max(0, at - s.start[d]);
                    }
                }
                String missing = missing(s, r);
                String why = r.type() == FerryRecord.TRUNCATED
                        ? "truncated at " + captured + " B (max_bytes_per_connection " + r.value() + ")"
                        : "abandoned at " + captured + " B: " + r.reason();
                return reset(id, r.timeMicros(), w, "capture stops here: " + why
                        + (missing.isEmpty() ? "" : "; incomplete: " + missing));
            }
            default -> {
                return 0;
            }
        }
    }

    /**
     * Ends the conversation of connection {@code id}, if one is open, with a RST from the server carrying
     * {@code why} in its comment; returns the packets written (0 or 1).
     */
    public int reset(long id, long timeMicros, PcapngWriter w, String why) throws IOException {
        Stream s = streams.remove(id);
        opens.remove(id);
        if (s == null) {
            return 0;
        }
        w.packet(timeMicros, s.tcp.segment(false, TcpSynthesizer.RST | TcpSynthesizer.ACK, NONE, 0, 0),
                PcapngWriter.OUTBOUND, s.comment + " | " + why);
        return 1;
    }

    /** The connections whose conversation is open (started, not ended by CLOSE, TRUNCATED or ABANDONED). */
    public java.util.Set<Long> open() {
        return java.util.Set.copyOf(streams.keySet());
    }

    /** The handshake of a new conversation. */
    private int start(FerryRecord r, PcapngWriter w, String instance, String note) throws IOException {
        long id = r.connectionId();
        FerryRecord open = opens.get(id);
        Endpoint client = open == null ? Endpoint.UNKNOWN_ENDPOINT : open.remote();
        Endpoint server = open == null ? Endpoint.UNKNOWN_ENDPOINT : open.local();
        String comment = "ferry window=" + r.window() + " connection=" + id + " listener=" + r.listener()
                + (instance == null || instance.isEmpty() ? "" : " instance=" + instance);
        long[] start = open == null ? new long[] {0, 0} : new long[] {open.inbound(), open.outbound()};
        Stream s = new Stream(synthesizer(id, client, server), comment, start);
        streams.put(id, s);
        String first = comment;
        if (note != null) {
            first += " | " + note;
        } else if (open != null && open.midStream()) {
            first += " | capture starts mid-stream: inbound at byte " + open.inbound()
                    + (open.outbound() < 0 ? "" : ", outbound at byte " + open.outbound());
        }
        long ts = r.timeMicros();
        w.packet(ts, s.tcp.segment(true, TcpSynthesizer.SYN, NONE, 0, 0), PcapngWriter.INBOUND, first);
        w.packet(ts, s.tcp.segment(false, TcpSynthesizer.SYN | TcpSynthesizer.ACK, NONE, 0, 0),
                PcapngWriter.OUTBOUND, comment);
        w.packet(ts, s.tcp.segment(true, TcpSynthesizer.ACK, NONE, 0, 0), PcapngWriter.INBOUND, comment);
        return 3;
    }

    private static int data(Stream s, FerryRecord r, PcapngWriter w) throws IOException {
        boolean fromClient = r.direction() != FerryRecord.OUTBOUND;
        int d = fromClient ? 0 : 1;
        String comment = s.comment;
        long expected = Math.max(0, s.next[d]);
        String dir = fromClient ? "inbound" : "outbound";
        if (r.value() > expected) {
            comment += " | " + (r.value() - expected) + " " + dir + " bytes missing before this segment (bytes "
                    + expected + " to " + r.value() + ")";
        } else if (r.value() < expected) {
            comment += " | " + dir + " bytes " + r.value() + " to " + Math.min(expected, r.end())
                    + " recorded twice";
        }
        s.next[d] = Math.max(expected, r.end());
        byte[] p = r.payload();
        int packets = 0;
        for (int off = 0; off < p.length; off += TcpSynthesizer.MAX_SEGMENT) {
            int len = Math.min(TcpSynthesizer.MAX_SEGMENT, p.length - off);
            w.packet(r.timeMicros(), s.tcp.segment(fromClient, TcpSynthesizer.PSH | TcpSynthesizer.ACK, p, off, len),
                    fromClient ? PcapngWriter.INBOUND : PcapngWriter.OUTBOUND, packets == 0 ? comment : s.comment);
            packets++;
        }
        return packets;
    }

    /** What the DATA seen fall short of at an end record's offsets, e.g. {@code outbound bytes 10 to 20 missing}. */
    private static String missing(Stream s, FerryRecord end) {
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < 2; d++) {
            long at = d == 0 ? end.inbound() : end.outbound();
            if (s.start[d] != FerryRecord.NOT_CAPTURED && at >= 0 && s.next[d] < at) {
                sb.append(sb.length() == 0 ? "" : ", ").append(d == 0 ? "inbound" : "outbound").append(" bytes ")
                        .append(s.next[d]).append(" to ").append(at).append(" missing");
            }
        }
        return sb.toString();
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
