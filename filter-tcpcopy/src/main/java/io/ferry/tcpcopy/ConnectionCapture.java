package io.ferry.tcpcopy;

import io.ferry.filter.api.Connection;
import io.ferry.filter.api.ConnectionEvent;
import io.ferry.filter.api.ConnectionEventListener;
import io.ferry.filter.api.IoBuffer;
import io.ferry.tcpcopy.dump.CaptureGate;
import io.ferry.tcpcopy.dump.CapturedConnection;
import io.ferry.tcpcopy.dump.ShedReason;
import io.ferry.tcpcopy.record.FerryRecord;

/**
 * The capture of one connection, shared by its {@link CaptureReadFilter} and {@link CaptureWriteFilter}: whether it is
 * captured, how far in each direction, and how its capture ends (docs/dump-format.md).
 *
 * <h2>The rules</h2>
 * <ul>
 *   <li><b>Decided once.</b> When the connection starts, if a window is open then; otherwise at its first read or
 *       write while a window is open, and its capture then starts mid-stream (the {@code OPEN} record says so, with
 *       the stream offsets where it starts). {@code sample_percent} picks, then the {@link CaptureGate} admits it if
 *       the dump has room ({@link ListenerCapture#admit}); a connection it refuses is counted per window and reason,
 *       never captured.</li>
 *   <li><b>Whole.</b> An admitted connection is captured in both configured directions, in order, every byte with
 *       its stream offset, until exactly one of: it closes ({@code CLOSE}, with the bytes of each direction),
 *       {@code max_bytes_per_connection} ({@code TRUNCATED}), or its capture is given up ({@code ABANDONED}, with
 *       the offsets and the reason: the gate shedding the newest captures, a record that does not fit the dump's
 *       byte, rate or queue budget, the switch going off, or the writer that could not write its records). Nothing
 *       of it is recorded after that. The capture outlives the window it started in.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Used on the connection's thread only (the filters and the connection's close event all run there), so its fields
 * are plain; {@link #requestAbandon} and {@link #abandonedByWriter}, called from other threads, set volatile fields
 * that the connection reads at its next capture or at its close.
 */
final class ConnectionCapture implements ConnectionEventListener, CapturedConnection {

    private static final int UNDECIDED = 0;
    private static final int CAPTURING = 1;
    private static final int NOT_CAPTURED = 2;
    private static final int ENDED = 3;

    private final ListenerCapture owner;
    private Connection connection;
    private int state = UNDECIDED;
    private Window window;
    private long seq;
    /** Inbound stream offset up to which bytes were captured (every read is captured once admitted). */
    private long inbound;
    /** Outbound stream offset: bytes written to the client so far, captured or not. */
    private long outbound;
    /** Outbound stream offset up to which bytes were captured. */
    private long outCaptured;
    /** Bytes captured, both directions, against max_bytes_per_connection. */
    private long captured;
    private volatile ShedReason abandonRequest;
    private volatile ShedReason writerAbandoned;

    ConnectionCapture(ListenerCapture owner) {
        this.owner = owner;
    }

    /** Called from {@code initializeReadFilterCallbacks}: records the connection. */
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

    /** True once admitted, until the capture ends: the filters then capture outside windows too. */
    boolean capturing() {
        return state == CAPTURING;
    }

    /** The connection starts: decided now if a window is open, from its first byte. */
    void started(Window w) {
        if (w != null && state == UNDECIDED) {
            decide(w, 0);
        }
    }

    /**
     * Bytes the client sent, {@code buffer[from, from + n)}, at inbound stream offset {@code offset}: decides first if
     * this connection is not decided and {@code w} is open (a mid-stream start if bytes went by before), then
     * captures them if it is captured. Copies the bytes; never keeps the buffer.
     */
    void read(Window w, IoBuffer buffer, int from, int n, long offset) {
        if (state == UNDECIDED) {
            if (w == null) {
                return;
            }
            decide(w, offset);
        }
        if (state == CAPTURING && !stopRequested()) {
            capture(FerryRecord.INBOUND, buffer, from, n, offset);
        }
    }

    /**
     * Bytes written to the client, {@code buffer[0, n)}: counted always (they move the outbound stream offset),
     * captured if this connection is.
     */
    void wrote(IoBuffer buffer, int n) {
        long offset = outbound;
        outbound += n;
        if (state == CAPTURING && !stopRequested()) {
            capture(FerryRecord.OUTBOUND, buffer, 0, n, offset);
        }
    }

    private void capture(int direction, IoBuffer buffer, int from, int n, long offset) {
        if (n <= 0) {
            return;
        }
        long budget = owner.sampling().maxBytesPerConnection();
        int take = n;
        boolean truncate = false;
        if (budget > 0 && captured + n > budget) {
            take = (int) (budget - captured);
            truncate = true;
        }
        if (take > 0) {
            ShedReason refused = owner.gate().reserve(take);
            if (refused == null && !owner.submitData(this, window, direction, offset, buffer, from, take)) {
                refused = ShedReason.QUEUE_FULL;
            }
            if (refused != null) {
                abandon(refused);
                return;
            }
            captured += take;
            if (direction == FerryRecord.INBOUND) {
                inbound = offset + take;
            } else {
                outCaptured = offset + take;
            }
        }
        if (truncate) {
            end(FerryRecord.truncated(owner.micros(), connectionId(), direction, window.id(), owner.listenerName(),
                    budget, inbound, outCapturedOrNone()));
        }
    }

    private long outCapturedOrNone() {
        return owner.bothDirections() ? outCaptured : FerryRecord.NOT_CAPTURED;
    }

    /**
     * Takes the decision ({@link ListenerCapture#admit}: sampling, the switch, the gate); an admitted connection's
     * OPEN record is queued, and its capture starts at the stream offsets it reached.
     */
    private void decide(Window w, long inboundStart) {
        long admitted = owner.admit(this, w, inboundStart, outbound);
        if (admitted < 0) {
            state = NOT_CAPTURED;
            return;
        }
        seq = admitted;
        window = w;
        inbound = inboundStart;
        outCaptured = outbound;
        state = CAPTURING;
        if (connection != null) {
            connection.addConnectionEventListener(this);
        }
    }

    /**
     * Before capturing more: true (and the capture ended) if the writer gave it up, or it was asked to give up, or
     * the switch went off.
     */
    private boolean stopRequested() {
        if (writerAbandoned != null) {
            state = ENDED;
            owner.gate().ended(seq);
            return true;
        }
        ShedReason r = abandonRequest;
        if (r == null && !owner.capturingOn()) {
            r = ShedReason.SWITCHED_OFF;
        }
        if (r != null) {
            abandon(r);
            return true;
        }
        return false;
    }

    private void abandon(ShedReason reason) {
        end(FerryRecord.abandoned(owner.micros(), connectionId(), window.id(), owner.listenerName(), inbound,
                outCapturedOrNone(), reason.key()));
    }

    /** Ends the capture with {@code record} (CLOSE, TRUNCATED or ABANDONED); nothing of it is recorded after that. */
    private void end(FerryRecord record) {
        state = ENDED;
        owner.gate().ended(seq);
        owner.submitControl(record, this);
    }

    /**
     * The connection closed: every byte it carried was captured (a request to give up concerns bytes to come, and
     * none come), so its capture ends complete, unless the writer already gave it up.
     */
    @Override
    public void onEvent(ConnectionEvent event) {
        if (!event.isClose() || state != CAPTURING) {
            return;
        }
        if (writerAbandoned != null) {
            state = ENDED;
            owner.gate().ended(seq);
            return;
        }
        end(FerryRecord.close(owner.micros(), connectionId(), window.id(), owner.listenerName(), inbound,
                owner.bothDirections() ? outbound : FerryRecord.NOT_CAPTURED));
    }

    @Override
    public void requestAbandon(ShedReason reason) {
        if (abandonRequest == null) {
            abandonRequest = reason;
        }
    }

    @Override
    public void abandonedByWriter(ShedReason reason) {
        writerAbandoned = reason;
    }
}
