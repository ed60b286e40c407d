package io.ferry.dump.spi;

import io.ferry.dump.format.FerryRecord;

import java.io.IOException;

/**
 * Where the {@code ferry dump} tools read records from, other than files: a source serves the locations of one URI
 * scheme ({@code kafka://HOST:PORT/TOPIC}). Register the implementation in
 * {@code META-INF/services/io.ferry.dump.spi.DumpSource}; it needs a public no-argument constructor. The
 * {@code ferry} CLI finds sources on the class path and in each plugin location of the plugin directory (the
 * registry's extension lookup) and hands them to the tools; files and dump directories are read by the tools
 * themselves (the {@code dump-tools} module). A source may be used by several threads, one read each.
 *
 * <p>{@link #read} runs on the calling thread and returns when everything selected has been delivered. It hands each
 * record to {@link Records#record} with the proxy instance that captured it ({@code ""} if unknown), in an order that
 * keeps each connection's records in capture order; it may skip records whose window or time the {@link Selection}
 * excludes ({@link Selection#record}), and should, so that unselected payloads are never held, but it hands out
 * every connection (the receiver numbers all of them and applies the connection part itself). The records belong to
 * the receiver.
 */
public interface DumpSource {

    /** Receives what a source reads. Called on the thread of {@link #read}. */
    interface Records {
        /** One selected record of proxy instance {@code instance}. */
        void record(String instance, FerryRecord record);

        /** A record that could not be read and was skipped: where and why. */
        void problem(String message);
    }

    /** The URI scheme this source serves, lower case, e.g. {@code kafka}. */
    String scheme();

    /**
     * Reads {@code location} (a URI of {@link #scheme()}).
     *
     * @throws IOException the location is malformed, unreachable or does not exist; the message names the location
     *                     and what was expected
     */
    void read(String location, Selection selection, Records out) throws IOException;
}
