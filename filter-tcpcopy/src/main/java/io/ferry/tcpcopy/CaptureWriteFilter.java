package io.ferry.tcpcopy;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.WriteFilter;


import java.util.List;

/**
 * With {@code "directions": "both"}, captures the bytes written back to the client, one instance per connection. It
 * counts every write (a field addition: the outbound stream offset) and copies those of a captured connection.
 * Always lets the write proceed. Called on the connection's thread only.
 */
final class CaptureWriteFilter implements WriteFilter {

    private final ConnectionCapture state;

    CaptureWriteFilter(ConnectionCapture state) {
        this.state = state;
    }

    @Override
    public FilterStatus onWrite(List<IoBuffer> buffers) {
        for (int i = 0, n = buffers.size(); i < n; i++) {
            IoBuffer b = buffers.get(i);
            state.wrote(b, b.length());
        }
        return FilterStatus.CONTINUE;
    }
}
