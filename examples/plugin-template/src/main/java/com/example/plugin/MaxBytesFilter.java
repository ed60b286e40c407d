package com.example.plugin;

import io.ferry.filter.api.ConnectionCloseType;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.FilterStatus;
import io.ferry.filter.api.IoBuffer;
import io.ferry.filter.api.ReadFilter;
import io.ferry.filter.api.ReadFilterCallbacks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes every byte on until the client has sent more than the limit; the read that crosses it is dropped and the
 * connection closed, after what was already written to the client is flushed. One instance per connection.
 */
final class MaxBytesFilter implements ReadFilter {

    private static final Logger LOG = LoggerFactory.getLogger(MaxBytesFilter.class);

    private final long max;
    private ReadFilterCallbacks callbacks;

    MaxBytesFilter(long max) {
        this.max = max;
    }

    @Override
    public void initializeReadFilterCallbacks(ReadFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onData(IoBuffer buffer) {
        // drainedCount() is the stream offset of the buffer's first byte, so bytes that a later filter left undrained
        // and the chain presents again (R1.6) are not counted twice
        long end = Math.max(0, buffer.drainedCount()) + buffer.length();
        if (end <= max) {
            return FilterStatus.CONTINUE;
        }
        LOG.debug("connection {} sent more than {} bytes; closing it", callbacks.connection().id(), max);
        buffer.drain(buffer.length());
        callbacks.connection().close(ConnectionCloseType.FLUSH_WRITE, ConnectionEvent.LOCAL_CLOSE);
        return FilterStatus.STOP;
    }
}
