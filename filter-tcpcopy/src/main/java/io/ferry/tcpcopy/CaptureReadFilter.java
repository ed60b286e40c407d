package io.ferry.tcpcopy;

import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;

/**
 * Captures the bytes a client sends, one instance per connection.
 *
 * <h2>Cost</h2>
 * {@link #onData} reads one volatile field (and a field of its own). For a connection that is not captured, with no
 * window open, it returns {@code CONTINUE} at once: no allocation, no lock, no clock. A connection is decided when it
 * starts (in a window) or at its first read in a window ({@link ConnectionCapture}); a captured one has every read
 * copied into the writer's queue without blocking, until its capture ends, windows or not (Layotto kept the
 * runtime's buffer, defect 2, and measured CPU for a second on every read, defect 1). It always returns
 * {@code CONTINUE} and never drains, so it must sit before a terminal filter such as {@code tcp_proxy}.
 *
 * <h2>Bytes presented twice</h2>
 * When a later filter returns {@code STOP} without draining, the chain presents the same bytes again with the next
 * read (MOSN §2.4). The filter remembers the inbound-stream offset up to which it captured and, using the buffer's
 * {@link IoBuffer#drainedCount()}, captures only the bytes after it. A runtime whose read buffer does not count
 * drains ({@code -1}) gets every presented byte captured, as in Layotto. The count is per connection and survives
 * the runtime moving the bytes to another wrapper (the test kit does so on every pass); if it ever goes back, the
 * filter starts counting anew rather than skip bytes.
 *
 * <h2>Threading</h2>
 * Called on the connection's thread only; its state ({@link #capturedEnd}) and the connection's
 * {@link ConnectionCapture} (sampling, byte budget, open/close records) are confined to it.
 */
final class CaptureReadFilter implements ReadFilter {

    private final WindowSchedule windows;
    private final ConnectionCapture state;
    /** Inbound-stream offset just after the last captured byte; -1 before the first capture. */
    private long capturedEnd = -1;
    /** The drain count seen last: a count that goes back means a new stream of offsets. */
    private long lastDrained = -1;

    CaptureReadFilter(WindowSchedule windows, ConnectionCapture state) {
        this.windows = windows;
        this.state = state;
    }

    @Override
    public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
        state.attach(callbacks.connection());
    }

    @Override
    public FilterStatus onNewConnection() {
        state.started(windows.window);
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus onData(IoBuffer buffer) {
        Window w = windows.window;
        if (w != null || state.capturing()) {
            capture(w, buffer);
        }
        return FilterStatus.CONTINUE;
    }

    private void capture(Window w, IoBuffer buffer) {
        int len = buffer.length();
        int skip = 0;
        long drained = buffer.drainedCount();
        if (drained < lastDrained) {
            capturedEnd = -1;              // the counter went back: offsets start anew
        }
        lastDrained = drained;
        if (drained >= 0) {
            if (capturedEnd > drained) {
                skip = (int) Math.min(len, capturedEnd - drained);
            }
            capturedEnd = drained + len;
        }
        int n = len - skip;
        state.read(w, buffer, skip, n, drained < 0 ? 0 : drained + skip);
    }
}
