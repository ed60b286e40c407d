package io.ferry.proxy.it;

import java.nio.ByteBuffer;

/**
 * A deterministic byte stream of unlimited length: the writer fills its buffers from one instance, the reader checks
 * what arrives against another built from the same seed, so neither keeps a copy and a lost, duplicated or reordered
 * byte is found at its exact offset. A xorshift generator, eight bytes per step.
 */
final class TorturePattern {

    private long state;
    private long word;
    private int left;
    private long position;

    TorturePattern(long seed) {
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    /** The stream of direction {@code direction} (0: client to upstream, 1: back) of scenario {@code id}. */
    static TorturePattern of(long runSeed, long id, int direction) {
        long s = runSeed * 0x9E3779B97F4A7C15L + id * 0xC2B2AE3D27D4EB4FL + direction * 0x165667B19E3779F9L;
        s ^= s >>> 31;
        return new TorturePattern(s * 0xBF58476D1CE4E5B9L | 1);
    }

    private byte next() {
        if (left == 0) {
            long x = state;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            state = x;
            word = x;
            left = 8;
        }
        byte b = (byte) word;
        word >>>= 8;
        left--;
        position++;
        return b;
    }

    /** Puts the next {@code n} bytes of the stream into {@code buffer}. */
    void fill(ByteBuffer buffer, int n) {
        for (int i = 0; i < n; i++) {
            buffer.put(next());
        }
    }

    /**
     * Checks the readable bytes of {@code buffer} against the next bytes of the stream.
     *
     * @return -1 if they all match, else the stream offset of the first byte that does not
     */
    long check(ByteBuffer buffer) {
        while (buffer.hasRemaining()) {
            long at = position;
            byte got = buffer.get();
            if (got != next()) {
                return at;
            }
        }
        return -1;
    }
}
