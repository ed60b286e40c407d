package com.example.ferry;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;

/**
 * The read filter of one connection: decides, from the connection's first bytes, whether it starts with the prefix.
 *
 * <ul>
 *   <li>While the bytes read so far match the prefix but are fewer than it, it returns {@code STOP} <em>without
 *       draining</em>: the chain keeps the bytes and presents them again, with the next read appended.</li>
 *   <li>Once the first bytes equal the prefix, it closes the connection (flushing pending writes) and returns
 *       {@code STOP}, so no later filter sees any of them.</li>
 *   <li>Once a byte differs from the prefix, or the peer ends its side before the prefix is complete, it returns
 *       {@code CONTINUE} and passes everything on unchanged for the rest of the connection.</li>
 * </ul>
 *
 * <p>One instance per connection (its state is the decision); all calls come from the connection's thread, so it
 * needs no locks. It reads the buffer in place with {@link IoBuffer#getByte(int)}, keeps no reference to it, and
 * allocates nothing on the data path.
 */
final class DenyPrefixFilter implements ReadFilter {

    private enum State { UNDECIDED, PASSING, DENIED }

    private final byte[] prefix;
    private ReadFilterCallbacks callbacks;
    private State state = State.UNDECIDED;

    DenyPrefixFilter(byte[] prefix) {
        this.prefix = prefix;
    }

    @Override
    public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onData(IoBuffer buffer) {
        if (state == State.PASSING) {
            return FilterStatus.CONTINUE;
        }
        if (state == State.DENIED) {
            return FilterStatus.STOP;
        }
        int n = Math.min(buffer.length(), prefix.length);
        for (int i = 0; i < n; i++) {
            if (buffer.getByte(i) != prefix[i]) {
                state = State.PASSING;
                return FilterStatus.CONTINUE;
            }
        }
        if (n < prefix.length) {
            if (buffer.isEof()) {
                state = State.PASSING; // the peer has finished: the prefix can no longer arrive
                return FilterStatus.CONTINUE;
            }
            return FilterStatus.STOP; // not enough bytes to decide: hold them back, undrained
        }
        state = State.DENIED;
        callbacks.connection().close(ConnectionCloseType.FLUSH_WRITE, ConnectionEvent.LOCAL_CLOSE);
        return FilterStatus.STOP;
    }

    @Override
    public String toString() {
        return "DenyPrefixFilter(" + state + ")";
    }
}
