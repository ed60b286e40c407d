package io.ferry.mirror;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Compares two response streams of one mirrored connection, the primary's and a shadow's, as their bytes arrive, in
 * memory bounded by {@code window} bytes whatever the two sides do.
 *
 * <p>The bytes of the side that is ahead and not yet compared are kept (at most {@code window}); each byte of the
 * other side is compared with them as it arrives, so the first difference is found at its exact offset, with a short
 * excerpt of both sides. When one side gets more than {@code window} bytes ahead, byte-wise comparison stops at the
 * offset compared so far, and from there on each side's remaining bytes are folded into a 64-bit checksum (CRC-32
 * and CRC-32C), which decides equality at the end: the verdict then says the streams differ beyond that offset, or
 * match by checksum.
 *
 * <p>Not thread-safe: one connection's event loop calls it. {@link #primary} and {@link #shadow} copy nothing they
 * are given beyond the call (the caller keeps ownership of the arrays) and allocate nothing once the excerpt is taken.
 */
public final class ResponseComparison {

    /** Bytes of each side shown around a difference. */
    static final int EXCERPT = 16;

    private final byte[] ahead;            // ring of the leading side's bytes not compared yet
    private int head;
    private int count;
    private boolean primaryAhead;
    private long primaryBytes;
    private long shadowBytes;
    private long compared;                 // bytes compared equal from the start
    private long differsAt = -1;
    private String primaryExcerpt = "";
    private String shadowExcerpt = "";
    private boolean beyondWindow;
    private final CRC32 primaryCrc = new CRC32();
    private final CRC32C primaryCrcC = new CRC32C();
    private final CRC32 shadowCrc = new CRC32();
    private final CRC32C shadowCrcC = new CRC32C();

    /** @param window the most bytes one side may be ahead while both are still compared byte for byte (at least 1) */
    public ResponseComparison(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1 byte, got " + window);
        }
        this.ahead = new byte[window];
    }

    /** Bytes the primary sent to the client. */
    public void primary(byte[] b, int off, int len) {
        primaryBytes += len;
        feed(true, b, off, len);
    }

    /** Bytes the shadow answered. */
    public void shadow(byte[] b, int off, int len) {
        shadowBytes += len;
        feed(false, b, off, len);
    }

    public long primaryBytes() {
        return primaryBytes;
    }

    public long shadowBytes() {
        return shadowBytes;
    }

    /** The offset of the first byte that differs, or -1 if none has been found (yet). */
    public long differsAt() {
        return differsAt;
    }

    private void feed(boolean primary, byte[] b, int off, int len) {
        if (differsAt >= 0 || len == 0) {
            return;
        }
        if (beyondWindow) {
            crc(primary, b, off, len);
            return;
        }
        int i = 0;
        if (count > 0 && primaryAhead != primary) {
            while (i < len && count > 0) {
                int run = Math.min(Math.min(len - i, count), ahead.length - head);
                int m = Arrays.mismatch(ahead, head, head + run, b, off + i, off + i + run);
                if (m >= 0) {
                    differsAt = compared + m;
                    String mine = excerpt(b, off + i + m, len - i - m);
                    String theirs = aheadExcerpt(m);
                    primaryExcerpt = primary ? mine : theirs;
                    shadowExcerpt = primary ? theirs : mine;
                    return;
                }
                head = (head + run) % ahead.length;
                count -= run;
                compared += run;
                i += run;
            }
        }
        int rest = len - i;
        if (rest == 0) {
            return;
        }
        if (count == 0) {
            primaryAhead = primary;
            head = 0;
        }
        if (count + rest > ahead.length) {
            // too far ahead to keep: from the offset compared so far, each side is checksummed
            beyondWindow = true;
            int first = Math.min(count, ahead.length - head);
            crc(primary, ahead, head, first);
            crc(primary, ahead, 0, count - first);
            crc(primary, b, off + i, rest);
            count = 0;
            return;
        }
        int tail = (head + count) % ahead.length;
        int first = Math.min(rest, ahead.length - tail);
        System.arraycopy(b, off + i, ahead, tail, first);
        System.arraycopy(b, off + i + first, ahead, 0, rest - first);
        count += rest;
    }

    private void crc(boolean primary, byte[] b, int off, int len) {
        if (len == 0) {
            return;
        }
        if (primary) {
            primaryCrc.update(b, off, len);
            primaryCrcC.update(b, off, len);
        } else {
            shadowCrc.update(b, off, len);
            shadowCrcC.update(b, off, len);
        }
    }

    private static String excerpt(byte[] b, int off, int available) {
        return HexFormat.of().formatHex(b, off, off + Math.min(EXCERPT, Math.max(0, available)));
    }

    /** Up to {@link #EXCERPT} kept bytes of the side ahead, from {@code skip} bytes into the ring. */
    private String aheadExcerpt(int skip) {
        int n = Math.min(EXCERPT, count - skip);
        byte[] out = new byte[Math.max(0, n)];
        for (int k = 0; k < out.length; k++) {
            out[k] = ahead[(head + skip + k) % ahead.length];
        }
        return HexFormat.of().formatHex(out);
    }

    /**
     * The verdict once both response streams have ended ({@code shadowFailure} null), or once the shadow failed
     * ({@code shadowFailure} its reason: the comparison is then not decided by the bytes).
     */
    public Verdict verdict(String shadowFailure) {
        if (shadowFailure != null) {
            return Verdict.failed(shadowFailure, primaryBytes, shadowBytes);
        }
        if (differsAt >= 0) {
            return Verdict.differs(differsAt, primaryExcerpt, shadowExcerpt, primaryBytes, shadowBytes);
        }
        if (shadowBytes < primaryBytes) {
            return Verdict.shorter(primaryBytes, shadowBytes, beyondWindow ? compared : -1);
        }
        if (shadowBytes > primaryBytes) {
            return Verdict.longer(primaryBytes, shadowBytes, beyondWindow ? compared : -1);
        }
        if (beyondWindow && (primaryCrc.getValue() != shadowCrc.getValue()
                || primaryCrcC.getValue() != shadowCrcC.getValue())) {
            return Verdict.differsBeyond(compared, primaryBytes, shadowBytes);
        }
        return Verdict.matched(primaryBytes, beyondWindow ? compared : -1);
    }
}
