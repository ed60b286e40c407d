package io.ferry.proxy.tcpproxy;

import io.ferry.filter.api.spi.FilterConfigException;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code SourcePort}/{@code DestinationPort} value of a {@code tcp_proxy} route: {@code "80,8000-8080"}. MOSN:
 * {@code ParsePortRangeList}. Unlike MOSN, a malformed bound is an error instead of silently becoming 0. Immutable.
 */
final class PortRanges {

    private final int[] lows;
    private final int[] highs;

    private PortRanges(int[] lows, int[] highs) {
        this.lows = lows;
        this.highs = highs;
    }

    static PortRanges parse(String path, String text) throws FilterConfigException {
        String expected = "comma-separated ports or ranges from 1 to 65535, e.g. \"80,8000-8080\"";
        List<int[]> ranges = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            int lo;
            int hi;
            try {
                if (dash < 0) {
                    lo = hi = Integer.parseInt(p);
                } else {
                    lo = Integer.parseInt(p.substring(0, dash).trim());
                    hi = Integer.parseInt(p.substring(dash + 1).trim());
                }
            } catch (NumberFormatException e) {
                throw new FilterConfigException(path, text, expected);
            }
            if (lo < 1 || hi > 65535 || lo > hi) {
                throw new FilterConfigException(path, text, expected);
            }
            ranges.add(new int[]{lo, hi});
        }
        int[] lows = new int[ranges.size()];
        int[] highs = new int[ranges.size()];
        for (int i = 0; i < ranges.size(); i++) {
            lows[i] = ranges.get(i)[0];
            highs[i] = ranges.get(i)[1];
        }
        return new PortRanges(lows, highs);
    }

    boolean contains(int port) {
        for (int i = 0; i < lows.length; i++) {
            if (port >= lows[i] && port <= highs[i]) {
                return true;
            }
        }
        return false;
    }
}
