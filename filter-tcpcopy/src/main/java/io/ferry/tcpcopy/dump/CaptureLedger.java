package io.ferry.tcpcopy.dump;

import io.ferry.tcpcopy.record.FerryRecord;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * What the writer knows of every captured connection, from its {@code OPEN} record to the record that ends it: how far
 * its records reached in the files ({@code written}) and how far they are on disk ({@code durable}), its end record,
 * and the {@code ABANDONED} records the writer owes. That makes the writer the authority on how a capture ended:
 * <ul>
 *   <li>a capture's end ({@code connections_complete}, {@code _truncated}, {@code _abandoned_<reason>}) is counted
 *       once its end record is on disk ({@link #commit});</li>
 *   <li>a capture the writer gives up ({@link #abandon}: a full disk, the size cap, the dump directory gone, the
 *       shutdown) is told so ({@link CapturedConnection#abandonedByWriter}) and gets its {@code ABANDONED} record
 *       from the writer, owed until it is written ({@link #nextNotice}, {@link #noticeAppended});</li>
 *   <li>when a write fails, every capture with records that did not reach the disk is given up at its durable
 *       offsets, and the {@code ABANDONED} records appended since the last flush are owed again ({@link #failed}).</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * The writer thread only: plain fields and maps. The captured connections it tells are called from here and only set
 * a volatile field of theirs. It holds no captured bytes, only offsets and the (small) end records.
 */
final class CaptureLedger {

    /** One captured connection, as the writer sees it. */
    static final class Track {
        final CapturedConnection owner;
        final CaptureStats stats;
        final long connectionId;
        final String window;
        final String listener;
        long inWritten;
        long outWritten;
        long inDurable;
        long outDurable;
        boolean dirty;
        /** The end record appended (CLOSE, TRUNCATED, ABANDONED), counted once on disk. */
        FerryRecord end;
        /** Why the writer gave it up, or null. */
        ShedReason abandoned;

        Track(CapturedConnection owner, CaptureStats stats, FerryRecord open) {
            this.owner = owner;
            this.stats = stats;
            this.connectionId = open.connectionId();
            this.window = open.window();
            this.listener = open.listener();
            this.inWritten = this.inDurable = open.inbound();
            this.outWritten = this.outDurable = open.outbound();
        }

        /** True once nothing more of it may be written: it ended or the writer gave it up. */
        boolean over() {
            return abandoned != null || end != null;
        }
    }

    private final IdentityHashMap<CapturedConnection, Track> tracks = new IdentityHashMap<>();
    /** Tracks with records appended since the last flush. */
    private final List<Track> dirty = new ArrayList<>();
    /** ABANDONED records the writer owes (after a failed write, at shutdown), with their tracks. */
    private final ArrayDeque<FerryRecord> notices = new ArrayDeque<>();
    private final ArrayDeque<Track> noticeOwners = new ArrayDeque<>();
    /** Owed ABANDONED records appended since the last flush: owed again if that flush fails. */
    private final ArrayDeque<FerryRecord> noticesInFlight = new ArrayDeque<>();
    private final ArrayDeque<Track> noticeOwnersInFlight = new ArrayDeque<>();

    /** A capture starts: its {@code OPEN} record is in {@code slot}. */
    Track open(Slot slot) {
        Track t = new Track(slot.owner, slot.stats, slot.control);
        tracks.put(slot.owner, t);
        return t;
    }

    /** The track of {@code owner}, or null (not captured, or its capture is over and committed). */
    Track get(CapturedConnection owner) {
        return owner == null ? null : tracks.get(owner);
    }

    /** True when nothing waits for a flush and no ABANDONED record is owed. */
    boolean settled() {
        return notices.isEmpty() && dirty.isEmpty();
    }

    /** Records of {@code t} are being appended: its offsets move at the next flush. */
    void touch(Track t) {
        if (!t.dirty) {
            t.dirty = true;
            dirty.add(t);
        }
    }

    /** A record of {@code t} reaching stream offset {@code end} in {@code direction} was appended. */
    static void advance(Track t, int direction, long end) {
        if (direction == FerryRecord.INBOUND) {
            t.inWritten = end;
        } else {
            t.outWritten = end;
        }
    }

    /** The record that ends {@code t} ({@code CLOSE}, {@code TRUNCATED}, {@code ABANDONED}) was appended. */
    void ended(Track t, FerryRecord end) {
        t.end = end;
    }

    /**
     * Gives up {@code t} at the given offsets: the connection stops submitting, and its {@code ABANDONED} record is
     * owed until it is written. Nothing if the writer gave it up already.
     */
    void abandon(Track t, ShedReason reason, long inbound, long outbound) {
        if (t.abandoned != null) {
            return;
        }
        t.abandoned = reason;
        t.end = null;
        t.owner.abandonedByWriter(reason);
        notices.add(FerryRecord.abandoned(micros(), t.connectionId, t.window, t.listener, inbound, outbound,
                reason.key()));
        noticeOwners.add(t);
    }

    /** The oldest ABANDONED record owed, or null. */
    FerryRecord nextNotice() {
        return notices.peek();
    }

    /** {@link #nextNotice()} was appended: it ends its capture once on disk, and is owed again if that fails. */
    void noticeAppended() {
        FerryRecord rec = notices.poll();
        Track t = noticeOwners.poll();
        noticesInFlight.add(rec);
        noticeOwnersInFlight.add(t);
        t.end = rec;
        touch(t);
    }

    /** Everything appended so far is on disk: advance the durable offsets and count the captures that ended. */
    void commit() {
        for (Track t : dirty) {
            t.dirty = false;
            t.inDurable = t.inWritten;
            t.outDurable = t.outWritten;
            FerryRecord end = t.end;
            if (end != null) {
                tracks.remove(t.owner);
                switch (end.type()) {
                    case FerryRecord.CLOSE -> t.stats.connectionsComplete.increment();
                    case FerryRecord.TRUNCATED -> t.stats.connectionsTruncated.increment();
                    default -> t.stats.abandoned(t.abandoned != null ? t.abandoned : reasonOf(end));
                }
            }
        }
        dirty.clear();
        noticesInFlight.clear();
        noticeOwnersInFlight.clear();
    }

    /**
     * A write failed and the files were cut back to the last flush: every capture with records appended since is
     * given up ({@code io_error}) where its records on disk stop, and the ABANDONED records appended since are owed
     * again, at offsets no further than the disk's.
     *
     * @return the captures given up now
     */
    int failed() {
        int lost = 0;
        for (Track t : dirty) {
            t.dirty = false;
            if (t.abandoned == null) {
                t.stats.drop(DropReason.IO_ERROR);
                abandon(t, ShedReason.IO_ERROR, t.inDurable, t.outDurable);
                lost++;
            } else {
                t.inWritten = t.inDurable;
                t.outWritten = t.outDurable;
            }
        }
        dirty.clear();
        while (!noticesInFlight.isEmpty()) {   // their ABANDONED records did not reach the disk: owed again
            Track t = noticeOwnersInFlight.pollLast();
            FerryRecord owed = noticesInFlight.pollLast();
            t.end = null;
            notices.addFirst(FerryRecord.abandoned(owed.timeMicros(), t.connectionId, t.window, t.listener,
                    Math.min(owed.inbound(), t.inDurable), Math.min(owed.outbound(), t.outDurable), owed.reason()));
            noticeOwners.addFirst(t);
        }
        return lost;
    }

    /** The writer stops: every capture still open is given up ({@code shutdown}) where its appended records stop. */
    void shutdown() {
        for (Track t : new ArrayList<>(tracks.values())) {
            if (!t.over()) {
                abandon(t, ShedReason.SHUTDOWN, t.inWritten, t.outWritten);
            }
        }
    }

    private static ShedReason reasonOf(FerryRecord abandoned) {
        String key = abandoned.reason();
        for (ShedReason r : ShedReason.values()) {
            if (r.key().equals(key)) {
                return r;
            }
        }
        return ShedReason.IO_ERROR;
    }

    private static long micros() {
        return System.currentTimeMillis() * 1000;
    }
}
