package io.ferry.proxy.runtime;

import io.ferry.proxy.config.OriginalDstConfig;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.RawUnixChannelOption;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * MOSN's sidecar mode (pkg/filter/listener/originaldst, pkg/server/handler.go {@code UseOriginalDst}): the original
 * destination of an accepted connection, and the listener it is handed over to.
 *
 * <ul>
 *   <li>{@code redirect}: the connection was redirected by iptables {@code REDIRECT}; the kernel still knows where
 *       it was going, and {@code getsockopt(SO_ORIGINAL_DST)} ({@code SOL_IP}, 80; for IPv6
 *       {@code IP6T_SO_ORIGINAL_DST} at {@code SOL_IPV6}) reads it. Netty's native transport passes the raw option
 *       through ({@link RawUnixChannelOption}), so no JNI of our own is needed; NIO has no way to do it.</li>
 *   <li>{@code tproxy}: the listening socket is transparent ({@code IP_TRANSPARENT}) and the iptables
 *       {@code TPROXY} target delivers connections for any address to it; the accepted socket's local address is
 *       the original destination.</li>
 * </ul>
 *
 * <p>The hand-over, as MOSN's: the listener whose address is exactly the original destination's IP and port (it
 * usually has {@code bind_port: false}); else one on the original port and {@code 0.0.0.0} ({@code ::} for IPv6),
 * or {@code 127.0.0.1} ({@code ::1}) with {@code fallback_to_local}; else the accepting listener itself.
 */
final class OriginalDestination {

    private static final RawUnixChannelOption SO_ORIGINAL_DST = new RawUnixChannelOption("SO_ORIGINAL_DST", 0, 80, 16);
    private static final RawUnixChannelOption IP6T_SO_ORIGINAL_DST =
            new RawUnixChannelOption("IP6T_SO_ORIGINAL_DST", 41, 80, 28);

    private OriginalDestination() {
    }

    /**
     * The original destination of {@code ch}, accepted by a listener with {@code config}.
     *
     * @throws IllegalStateException when it cannot be read (the message says why)
     */
    static InetSocketAddress read(Channel ch, OriginalDstConfig config) {
        if (!(ch.localAddress() instanceof InetSocketAddress local)) {
            throw new IllegalStateException("not a TCP connection");
        }
        if (OriginalDstConfig.TPROXY.equals(config.type())) {
            return local;
        }
        if (!(ch instanceof EpollSocketChannel)) {
            throw new IllegalStateException("SO_ORIGINAL_DST needs the native epoll transport");
        }
        boolean v6 = local.getAddress() instanceof Inet6Address && !isV4Mapped(local.getAddress());
        ByteBuffer b = ch.config().getOption(v6 ? IP6T_SO_ORIGINAL_DST : SO_ORIGINAL_DST);
        return parseSockaddr(b);
    }

    private static boolean isV4Mapped(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /** A {@code struct sockaddr_in} or {@code sockaddr_in6} as the kernel wrote it (family in host order). */
    static InetSocketAddress parseSockaddr(ByteBuffer b) {
        int family = (b.get(0) & 0xff) | (b.get(1) & 0xff) << 8;
        int port = (b.get(2) & 0xff) << 8 | (b.get(3) & 0xff);
        byte[] addr;
        if (family == 2) {
            addr = new byte[4];
            b.get(4, addr);
        } else if (family == 10) {
            addr = new byte[16];
            b.get(8, addr);
        } else {
            throw new IllegalStateException("SO_ORIGINAL_DST returned address family " + family);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(addr), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The listener a connection to {@code dst} is handed over to (MOSN's order), or {@code self}. */
    static ListenerRuntime handOver(ListenerRuntime self, InetSocketAddress dst, boolean fallbackToLocal) {
        List<ListenerRuntime> all = self.all.get();
        InetAddress fallback;
        boolean v4 = dst.getAddress() instanceof Inet4Address;
        try {
            fallback = InetAddress.getByName(fallbackToLocal ? (v4 ? "127.0.0.1" : "::1") : (v4 ? "0.0.0.0" : "::"));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        ListenerRuntime local = null;
        for (ListenerRuntime l : all) {
            if (l.ip == null || !"tcp".equals(l.config.network())) {
                continue;
            }
            int port = l.info.port().orElse(l.config.port());
            if (port != dst.getPort()) {
                continue;
            }
            if (l.ip.equals(dst.getAddress())) {
                return l;
            }
            if (l.ip.equals(fallback)) {
                local = l;
            }
        }
        return local != null ? local : self;
    }
}
