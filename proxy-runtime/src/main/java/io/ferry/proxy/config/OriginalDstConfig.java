package io.ferry.proxy.config;

/**
 * How a listener finds the original destination of a connection it accepts (MOSN's sidecar mode): set by
 * {@code use_original_dst}, refined by an {@code original_dst} entry in {@code listener_filters}.
 *
 * @param type            {@code "redirect"}: the connection was redirected by iptables ({@code REDIRECT}), the
 *                        original destination is read with {@code SO_ORIGINAL_DST}; {@code "tproxy"}: the listener
 *                        is transparent ({@code IP_TRANSPARENT}) and the connection's local address is the original
 *                        destination
 * @param fallbackToLocal {@code fallback_to_local} of the listener filter: when no listener is bound to the original
 *                        destination, look for one on {@code 127.0.0.1} and the original port instead of
 *                        {@code 0.0.0.0}
 */
public record OriginalDstConfig(String type, boolean fallbackToLocal) {

    public static final String REDIRECT = "redirect";
    public static final String TPROXY = "tproxy";
}
