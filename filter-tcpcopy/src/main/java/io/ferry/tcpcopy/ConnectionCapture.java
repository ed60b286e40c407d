package io.ferry.tcpcopy;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.ConnectionEventListener;
import io.ferry.filter.api.IoBuffer;
import io.ferry.tcpcopy.config.Sampling;
import io.ferry.tcpcopy.record.FerryRecord;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The capture state of one connection, shared by its {@link CaptureReadFilter} and {@link CaptureWriteFilter}:
 * the sampling decision (taken once, at the connection's first read or write inside a window), the bytes captured
 * against {@code max_bytes_per_connection}, and, for the Ferry format, which window last got this connection's
 * {@code OPEN} record and whether a {@code CLOSE} is owed.
 *
 * <h2>Threading</h2>
 * Used on the connection's thread only (the filters and the connection's close event all run there), so its fields
 * are plain. It is only touched while a window is open, or at close when it had records.
 */
final class ConnectionCapture implements ConnectionEventListener {

    private final TcpCopyFactory owner;
    private Connection connection;
    /** 0: not decided yet; 1: captured; -1: not sampled. */
    private int sampled;
    private long captured;
    private boolean truncated;
    private Window openedIn;
    private boolean closeOwed;
    private boolean listening;

    ConnectionCapture(TcpCopyFactory owner) {
        this.owner = owner;
    }

    /**
     * Called from {@code initializeReadFilterCallbacks}: records the connection. Its close is listened for only once
     * the connection has a record, so connections that are never captured cost no listener.
     */
    void attach(Connection c) {
        if (connection == null && c != null) {
            connection = c;
        }
    }

    Connection connection() {
        return connection;
    }

    long connectionId() {
        return connection == null ? -1 : connection.id();
    }

    /**
     * Captures {@code buffer[from, from + n)} in window {@code w}, if this connection is sampled and within its byte
     * budget. Copies the bytes; never keeps the buffer.
     */
    void capture(Window w, int direction, IoBuffer buffer, int from, int n) {
        if (n <= 0 || !admit(w)) {
            return;
        }
        Sampling s = owner.sampling();
        long budget = s.maxBytesPerConnection();
        int take = n;
        if (budget > 0) {
            if (truncated) {
                return;
            }
            long room = budget - captured;
            if (room < n) {
                take = (int) Math.max(0, room);
                truncated = true;
            }
        }
        if (take > 0 && owner.charge(take)) {  // beyond the capture budget: dropped before any copy
            captured += take;
            owner.submitData(this, w, direction, buffer, from, take);
        }
        if (truncated) {
            owner.submitTruncated(this, w, direction, budget);
        }
    }

    /** Takes the sampling decision once; emits {@code OPEN} at the first record of each window (Ferry format). */
    private boolean admit(Window w) {
        if (sampled == 0) {
            int percent = owner.sampling().samplePercent();
            sampled = percent >= 100 || ThreadLocalRandom.current().nextInt(100) < percent ? 1 : -1;
        }
        if (sampled < 0) {
            return false;
        }
        if (openedIn != w) {
            openedIn = w;
            owner.submitOpen(this, w);
        }
        if (!listening && connection != null) {
            listening = true;
            connection.addConnectionEventListener(this);
        }
        closeOwed = true;
        return true;
    }

    @Override
    public void onEvent(ConnectionEvent event) {
        if (event.isClose() && closeOwed) {
            closeOwed = false;
            owner.submitClose(this, openedIn);
        }
    }

}
