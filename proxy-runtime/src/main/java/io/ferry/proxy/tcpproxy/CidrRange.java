package io.ferry.proxy.tcpproxy;

import io.ferry.filter.api.spi.FilterConfigException;
import io.netty.util.NetUtil;

import java.net.InetAddress;

/**
 * One {@code {"Address": "10.0.0.0", "Length": 8}} element of a route's {@code SourceAddrs}/{@code DestinationAddrs}.
 * MOSN: {@code v2.CidrRange}. Only IP literals are accepted (no DNS lookup). Immutable.
 */
final class CidrRange {

    private final byte[] network;
    private final int length;

    private CidrRange(byte[] network, int length) {
        this.network = network;
        this.length = length;
    }

    static CidrRange of(String path, Object address, Object length) throws FilterConfigException {
        if (!(address instanceof String a)) {
            throw new FilterConfigException(path + ".Address", address, "an IPv4 or IPv6 address literal");
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(a);
        if (bytes == null) {
            throw new FilterConfigException(path + ".Address", address, "an IPv4 or IPv6 address literal");
        }
        int bits = bytes.length * 8;
        if (!(length instanceof Double d) || d != Math.rint(d) || d < 0 || d > bits) {
            throw new FilterConfigException(path + ".Length", length, "a prefix length from 0 to " + bits);
        }
        return new CidrRange(bytes, d.intValue());
    }

    boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = length / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }
}
