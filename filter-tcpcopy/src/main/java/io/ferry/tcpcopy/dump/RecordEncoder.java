package io.ferry.tcpcopy.dump;

import io.ferry.tcpcopy.record.FerryRecord;

import java.io.IOException;

/**
 * One dump format, as the writer loop sees it: it turns what the writer takes off its queue into that format's bytes
 * and appends them to that format's file. There is one encoder per format: {@link LayottoEncoder} (Layotto's lines,
 * written with every format), {@link FerryEncoder} (Ferry records) and {@link PcapngEncoder} (pcapng sessions). The
 * writer hands each record to the encoders of its format in order and stops at the first that the dump's caps
 * refuse.
 *
 * <h2>Threading and buffers</h2>
 * Called on the writer thread only, one record at a time, in queue order; an encoder keeps its state in plain fields.
 * The {@link Slot} and its payload belong to the writer while it handles the record: an encoder reads them and keeps
 * no reference to them. The bytes an encoder hands to {@link Output#append} are its own; it may reuse them as soon as
 * {@code append} returns (the files copy them into their buffer or write them at once).
 */
interface RecordEncoder {

    /** Where an encoder appends: the dump files, through the writer loop (which flushes first when they ask). */
    interface Output {

        /**
         * Appends {@code bytes[0, length)} to the dump file {@code file}.
         *
         * @return {@link DumpFiles.Append#WRITTEN}, {@link DumpFiles.Append#WRITTEN_DIRECT}, or
         *         {@link DumpFiles.Append#CAP} if the dump's size caps refused the bytes
         * @throws IOException a write failed: the writer recovers the files (nothing of this record is kept)
         */
        DumpFiles.Append append(String file, byte[] bytes, int length) throws IOException;

        /** The current size of {@code file} in the dump, 0 if it does not exist yet. */
        long size(String file) throws IOException;
    }

    /** True if {@link #data} needs the captured bytes as a {@link FerryRecord} too. */
    boolean needsRecords();

    /**
     * Captured bytes of one direction (a {@link Slot#DATA} slot).
     *
     * @param record the same bytes as a {@code DATA} record if some encoder or sink {@linkplain #needsRecords needs
     *               it}, else null
     * @return false if the dump's caps refused them
     */
    boolean data(Slot slot, FerryRecord record, Output out) throws IOException;

    /**
     * A record that is not captured bytes: {@code OPEN}, {@code CLOSE}, {@code TRUNCATED}, {@code ABANDONED},
     * {@code REFUSED} or {@code DROPPED}. A format with no place for it writes nothing and returns true.
     *
     * @return false if the dump's caps refused it
     */
    boolean record(FerryRecord record, Output out) throws IOException;

    /**
     * A portrait upload (a {@link Slot#PORTRAIT} slot). A format with no place for it writes nothing and returns
     * true.
     *
     * @return false if the dump's caps refused it
     */
    boolean portrait(Slot slot, Output out) throws IOException;
}
