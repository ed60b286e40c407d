package io.ferry.tcpcopy;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.WriteFilter;

import java.util.List;

/**
 * With {@code "directions": "both"}, captures the bytes written back to the client, one instance per connection.
 * Same cost rules as {@link CaptureReadFilter}: one volatile read outside windows; inside, one copy per buffer.
 * Always lets the write proceed. Called on the connection's thread only.
 */
final class CaptureWriteFilter implements WriteFilter {

    private final TcpCopyFactory owner;

    CaptureWriteFilter(TcpCopyFactory owner) {
        this.owner = owner;
    }

    @Override
    public FilterStatus onWrite(List<IoBuffer> buffers) {
        Window w = owner.window;
        if (w != null) {
            for (int i = 0, n = buffers.size(); i < n; i++) {
                IoBuffer b = buffers.get(i);
                int len = b.length();
                if (len > 0) {
                    byte[] copy = new byte[len];
                    b.getBytes(0, copy, 0, len);
                    owner.submit(w, copy);
                }
            }
        }
        return FilterStatus.CONTINUE;
    }
}
