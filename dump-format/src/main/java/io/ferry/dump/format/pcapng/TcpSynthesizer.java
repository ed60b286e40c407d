package io.ferry.dump.format.pcapng;

import io.ferry.dump.format.Endpoint;

import java.nio.ByteBuffer;

/**
 * Builds Ethernet + IPv4/IPv6 + TCP frames for one synthetic TCP conversation between a client and a server
 * endpoint, with correct sequence and acknowledgement numbers per direction and computed IP and TCP checksums.
 * Ethernet addresses are synthetic and locally administered: client {@code 02:00:00:00:00:01}, server
 * {@code 02:00:00:00:00:02}. IPv4 headers have DF set and TTL 64; IPv6 hop limit 64. TCP headers are 20 bytes
 * (no options), window 65535. Not thread-safe; one per connection.
 */
final class TcpSynthesizer {

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    /** Largest payload per packet: 65535 − 20 (IPv4 header) − 20 (TCP header). */
    static final int MAX_SEGMENT = 65_495;

    private static final byte[] CLIENT_MAC = {2, 0, 0, 0, 0, 1};
    private static final byte[] SERVER_MAC = {2, 0, 0, 0, 0, 2};

    private final boolean v6;
    private final byte[] clientIp;
    private final byte[] serverIp;
    private final int clientPort;
    private final int serverPort;
    /** Next sequence number of each side. */
    private int clientSeq;
    private int serverSeq;
    private short ipId;

    TcpSynthesizer(byte[] clientIp, int clientPort, byte[] serverIp, int serverPort, int clientIsn, int serverIsn) {
        this.v6 = clientIp.length == 16;
        this.clientIp = clientIp;
        this.serverIp = serverIp;
        this.clientPort = clientPort;
        this.serverPort = serverPort;
        this.clientSeq = clientIsn;
        this.serverSeq = serverIsn;
    }

    /**
     * One segment from the client ({@code fromClient}) or the server, carrying {@code payload[off, off + len)} and
     * advancing that side's sequence number by the payload length (plus one for SYN or FIN).
     */
    byte[] segment(boolean fromClient, int flags, byte[] payload, int off, int len) {
        int seq = fromClient ? clientSeq : serverSeq;
        int ack = (flags & ACK) != 0 ? (fromClient ? serverSeq : clientSeq) : 0;
        int advance = len + ((flags & (SYN | FIN)) != 0 ? 1 : 0);
        if (fromClient) {
            clientSeq += advance;
        } else {
            serverSeq += advance;
        }
        byte[] srcIp = fromClient ? clientIp : serverIp;
        byte[] dstIp = fromClient ? serverIp : clientIp;
        int tcpLen = 20 + len;
        int ipHeader = v6 ? 40 : 20;
        ByteBuffer f = ByteBuffer.allocate(14 + ipHeader + tcpLen);
        f.put(fromClient ? SERVER_MAC : CLIENT_MAC).put(fromClient ? CLIENT_MAC : SERVER_MAC);
        f.putShort((short) (v6 ? 0x86DD : 0x0800));
        int ipStart = f.position();
        if (v6) {
            f.putInt(0x60000000).putShort((short) tcpLen).put((byte) 6).put((byte) 64).put(srcIp).put(dstIp);
        } else {
            f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + tcpLen)).putShort(ipId++)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0).put(srcIp).put(dstIp);
            f.putShort(ipStart + 10, (short) checksum(f.array(), ipStart, 20, 0));
        }
        int tcpStart = f.position();
        f.putShort((short) (fromClient ? clientPort : serverPort)).putShort((short) (fromClient ? serverPort : clientPort))
                .putInt(seq).putInt(ack).put((byte) 0x50).put((byte) flags).putShort((short) 0xFFFF)
                .putShort((short) 0).putShort((short) 0);
        f.put(payload, off, len);
        long pseudo = sum(srcIp) + sum(dstIp) + 6 + tcpLen;
        f.putShort(tcpStart + 16, (short) checksum(f.array(), tcpStart, tcpLen, pseudo));
        return f.array();
    }

    private static long sum(byte[] ip) {
        long s = 0;
        for (int i = 0; i < ip.length; i += 2) {
            s += ((ip[i] & 0xff) << 8) | (ip[i + 1] & 0xff);
        }
        return s;
    }

    /** The Internet checksum (RFC 1071) of {@code b[off, off + len)} plus {@code initial}. */
    static int checksum(byte[] b, int off, int len, long initial) {
        long s = initial;
        int i = off;
        for (; i + 1 < off + len; i += 2) {
            s += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if (i < off + len) {
            s += (b[i] & 0xff) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }

    /** Maps an endpoint family pair to IPv6 when either side is IPv6 (IPv4 as {@code ::ffff:a.b.c.d}). */
    static byte[] asV6(Endpoint e) {
        if (e.family() == Endpoint.IPV6) {
            return e.address();
        }
        byte[] a = new byte[16];
        a[10] = (byte) 0xff;
        a[11] = (byte) 0xff;
        System.arraycopy(e.address(), 0, a, 12, 4);
        return a;
    }
}
