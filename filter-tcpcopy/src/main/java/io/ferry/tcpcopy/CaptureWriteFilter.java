package io.ferry.tcpcopy;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.WriteFilter;

import io.ferry.tcpcopy.record.FerryRecord;

import java.util.List;

/**
 * With {@code "directions": "both"}, captures the bytes written back to the client, one instance per connection.
 * Same cost rules as {@link CaptureReadFilter}: one volatile read outside windows; inside, one copy per buffer.
 * Always lets the write proceed. Called on the connection's thread only.
 */
final class CaptureWriteFilter implements WriteFilter {

    private final TcpCopyFactory owner;
    private final ConnectionCapture state;

    CaptureWriteFilter(TcpCopyFactory owner, ConnectionCapture state) {
        this.owner = owner;
        this.state = state;
    }

    @Override
    public FilterStatus onWrite(List<IoBuffer> buffers) {
        Window w = owner.window;
        if (w != null) {
            for (int i = 0, n = buffers.size(); i < n; i++) {
                IoBuffer b = buffers.get(i);
                state.capture(w, FerryRecord.OUTBOUND, b, 0, b.length());
            }
        }
        return FilterStatus.CONTINUE;
    }
}
