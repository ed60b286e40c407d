package io.ferry.dump.tools;

import io.ferry.dump.format.Endpoint;
import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.FerryReader;
import io.ferry.dump.format.FerryRecord;
import io.ferry.dump.format.LayottoReader;
import io.ferry.dump.spi.DumpSource;
import io.ferry.dump.spi.Selection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dump read for the {@code ferry dump} tools: a summary per connection with its status, the sampling windows with
 * the connections they refused, and, when asked for, the records themselves. Reads a Ferry dump file, a dump
 * directory (its {@code dump_tcp_copy.ferry} files, rotated ones first, oldest first), a Layotto
 * {@code dump_tcp_copy.log} (see {@link LayottoReader}), or a URI served by a {@link DumpSource} such as
 * {@code kafka://HOST:PORT/TOPIC}. Damage in a file is skipped by the reader, which resynchronises on the next whole
 * record; {@link #problems()} says where and how much. Not thread-safe.
 *
 * <h2>Two ways to read</h2>
 * {@link #read(String, Selection)} keeps every selected record in memory ({@link #records()}, {@link Conn#data}).
 * {@link #scan(String, Selection, boolean)} keeps only the summaries: its memory grows with the number of
 * connections, not with their bytes, and {@link #forEachRecord} reads the files again to hand out the records. A
 * {@link DumpSource} delivers its records only once: {@code scan} copies them to a temporary file as they arrive and
 * reads that again; {@link #close} removes it.
 *
 * <h2>Connections, instances and ids</h2>
 * A connection is identified by the proxy instance that captured it (a Ferry file's header, a Kafka record's key)
 * and that proxy's connection id ({@link Conn#key()}). When every connection comes from one instance the displayed id
 * {@link Conn#id} is the connection id, as in the dump. When the dump holds several instances (two proxy runs writing
 * into one directory, a Kafka topic fed by a fleet), whose ids collide, the connections are numbered 1, 2, ... in
 * order of first appearance (among the records selected by window and time) and the records handed out carry that
 * number as their connection id, so converters keep them apart. The connection part of the selection is applied last,
 * by displayed id or by key.
 *
 * <h2>Status</h2>
 * Each connection's {@link Conn#status()} is derived from its records as docs/dump-format.md says ("A connection's
 * status, as readers derive it"), with the stream offsets: complete, truncated, abandoned (with the reason), open when
 * the dump ends, and incomplete when offsets do not follow each other or stop short of the end record's; a capture
 * that started mid-stream says so besides.
 */
public final class Capture implements AutoCloseable {

    /** How a connection's capture ended, from its end record (or the lack of one). */
    public enum End {
        /** A {@code CLOSE} record. */
        CLOSED,
        /** A {@code TRUNCATED} record: {@code max_bytes_per_connection}. */
        TRUNCATED,
        /** An {@code ABANDONED} record, with a reason. */
        ABANDONED,
        /** No end record: the proxy was still running, or it was killed, or the end record was lost. */
        OPEN_AT_END,
        /** A Layotto line dump, which has no connection records at all. */
        UNKNOWN
    }

    /**
     * A connection's status.
     *
     * @param end       how the capture ended
     * @param complete  true only for {@code complete}: an {@code OPEN} (not mid-stream), every byte of each recorded
     *                  direction from offset 0 to the {@code CLOSE} record's offsets, nothing missing
     * @param midStream the capture started after the connection's first byte
     * @param missing   what is missing where offsets do not follow each other or stop short of the end record's
     *                  offsets, empty if nothing is
     * @param text      the status as the tools print it, e.g. {@code complete}, {@code truncated at 4096 B},
     *                  {@code abandoned at 2048 B: rate_limit}, {@code open when the dump ends},
     *                  {@code incomplete: outbound bytes 2048 to 30000 missing}
     */
    public record Status(End end, boolean complete, boolean midStream, String missing, String text) {
    }

    /** What is known of one connection. */
    public static final class Conn {
        /** The id the tools display and select (see the class comment). */
        public long id;
        /** The proxy instance that captured the connection ({@code ""} if the dump does not say). */
        public final String instance;
        /** The connection id as that proxy numbered it. */
        public final long connectionId;
        public String listener = "";
        public Endpoint remote = Endpoint.UNKNOWN_ENDPOINT;
        public Endpoint local = Endpoint.UNKNOWN_ENDPOINT;
        public long inboundBytes;
        public long outboundBytes;
        public int inboundRecords;
        public int outboundRecords;
        public boolean openSeen;
        public boolean closeSeen;
        public boolean truncated;
        /** The OPEN record's {@code MID_STREAM} flag. */
        public boolean midStream;
        /** The {@code ABANDONED} record's reason, or null. */
        public String abandonedReason;
        public long firstMicros = Long.MAX_VALUE;
        public long lastMicros;
        /** Capture time of its first inbound and first outbound DATA record, {@code Long.MIN_VALUE} if none. */
        public long firstInboundMicros = Long.MIN_VALUE;
        public long firstOutboundMicros = Long.MIN_VALUE;
        /** The DATA records of this connection, in order; empty unless the records are kept. */
        public final List<FerryRecord> data = new ArrayList<>();

        /** Per direction (0 inbound, 1 outbound): the offset capture starts at, or NOT_CAPTURED. */
        private final long[] start = {0, 0};
        /** Per direction: the offset just after the last DATA, or -1 before the first. */
        private final long[] next = {-1, -1};
        private final String[] firstGap = new String[2];
        private final long[] gapBytes = new long[2];
        private final int[] gaps = new int[2];
        private End end = End.OPEN_AT_END;
        private long[] endOffsets;
        private long budget;
        private boolean layotto;
        private boolean endAmbiguous;
        private boolean recordsAfterEnd;
        private MessageDigest[] digesting;
        private byte[][] digests;
        /**
         * Per window of this connection (the empty id for records without one), first and last capture time: the
         * first window in fields, as nearly every connection has one, any further ones in {@link #moreSpans}.
         */
        private String window0;
        private long window0First = Long.MAX_VALUE;
        private long window0Last = Long.MIN_VALUE;
        private Map<String, long[]> moreSpans;
        /** Its selected records. */
        private long records;
        /** Its first and last entry in a replay spool ({@link ReplaySpool}), -1 if none. */
        long spoolFirst = -1;
        long spoolLast = -1;
        /** The sequence number of this connection's last record (see {@link RecordVisitor#record}). */
        long lastSeq = -1;
        private Status status;

        Conn(String instance, long connectionId) {
            this.instance = instance;
            this.connectionId = connectionId;
            this.id = connectionId;
        }

        /** {@code INSTANCE/ID} as in the Kafka record key, or the bare connection id if the instance is unknown. */
        public String key() {
            return instance.isEmpty() ? Long.toString(connectionId) : instance + "/" + connectionId;
        }

        /** The sampling windows of its selected records, in order of first appearance. */
        public Set<String> windows() {
            Set<String> out = new LinkedHashSet<>();
            forEachSpan((w, first, last) -> {
                if (!w.isEmpty()) {
                    out.add(w);
                }
            });
            return out;
        }

        /** How many sampling windows its selected records are in. */
        public int windowCount() {
            int[] n = {0};
            forEachSpan((w, first, last) -> n[0] += w.isEmpty() ? 0 : 1);
            return n[0];
        }

        private interface SpanVisitor {
            void span(String window, long first, long last);
        }

        private void forEachSpan(SpanVisitor v) {
            if (window0 != null) {
                v.span(window0, window0First, window0Last);
            }
            if (moreSpans != null) {
                moreSpans.forEach((w, span) -> v.span(w, span[0], span[1]));
            }
        }

        private void span(String window, long time) {
            if (window0 == null || window0.equals(window)) {
                window0 = window;
                window0First = Math.min(window0First, time);
                window0Last = Math.max(window0Last, time);
                return;
            }
            if (moreSpans == null) {
                moreSpans = new LinkedHashMap<>(2);
            }
            long[] span = moreSpans.computeIfAbsent(window, w -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
            span[0] = Math.min(span[0], time);
            span[1] = Math.max(span[1], time);
        }

        /** All kept bytes of one direction, concatenated in capture order (empty unless the records are kept). */
        public byte[] bytes(int direction) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (FerryRecord r : data) {
                if (r.direction() == direction) {
                    out.writeBytes(r.payload());
                }
            }
            return out.toByteArray();
        }

        /**
         * The SHA-256 of all captured bytes of one direction in capture order, or null unless digests were asked for
         * ({@link #scan(String, Selection, boolean)}).
         */
        public byte[] digest(int direction) {
            return digests == null ? null : digests[direction == FerryRecord.OUTBOUND ? 1 : 0];
        }

        /** True if the dump records this direction ({@code "directions": "inbound"} records no outbound bytes). */
        public boolean recorded(int direction) {
            int d = direction == FerryRecord.OUTBOUND ? 1 : 0;
            return next[d] >= 0 || openSeen && start[d] != FerryRecord.NOT_CAPTURED;
        }

        /** The stream offset at which capture of {@code direction} starts (0 unless mid-stream). */
        public long startOffset(int direction) {
            return Math.max(0, start[direction == FerryRecord.OUTBOUND ? 1 : 0]);
        }

        /** The status derived from the records (see the class comment). */
        public Status status() {
            if (status == null) {
                status = derive();
            }
            return status;
        }

        private void data(FerryRecord r) {
            int d = r.direction() == FerryRecord.OUTBOUND ? 1 : 0;
            long expected = next[d] >= 0 ? next[d] : Math.max(0, start[d]);
            if (r.value() > expected) {
                gap(d, expected, r.value(), "missing");
            } else if (r.value() < expected) {
                gap(d, r.value(), Math.min(expected, r.end()), "recorded twice");
            }
            next[d] = Math.max(expected, r.end());
            if (digesting != null) {
                digesting[d].update(r.payload());
            }
            if (end != End.OPEN_AT_END) {
                recordsAfterEnd = true;
            }
        }

        private void gap(int d, long from, long to, String what) {
            if (gaps[d]++ == 0) {
                firstGap[d] = (d == 0 ? "inbound" : "outbound") + " bytes " + from + " to " + to + " " + what;
            }
            gapBytes[d] += to - from;
        }

        private void end(FerryRecord r) {
            if (end != End.OPEN_AT_END) {
                endAmbiguous = true;    // a second end record: keep the first
                return;
            }
            end = switch (r.type()) {
                case FerryRecord.CLOSE -> End.CLOSED;
                case FerryRecord.TRUNCATED -> End.TRUNCATED;
                default -> End.ABANDONED;
            };
            endOffsets = new long[] {r.inbound(), r.outbound()};
            budget = r.value();
            finishDigests();
        }

        private void finishDigests() {
            if (digesting != null) {
                digests = new byte[][] {digesting[0].digest(), digesting[1].digest()};
                digesting = null;
            }
        }

        private Status derive() {
            if (layotto) {
                return new Status(End.UNKNOWN, false, false, "", "unknown: a Layotto dump_tcp_copy.log records no "
                        + "connection, direction or end");
            }
            List<String> missing = new ArrayList<>();
            if (!openSeen) {
                missing.add("no OPEN record");
            }
            long captured = 0;
            for (int d = 0; d < 2; d++) {
                boolean rec = start[d] != FerryRecord.NOT_CAPTURED || next[d] >= 0;
                long from = Math.max(0, start[d]);
                long reached = next[d] >= 0 ? next[d] : from;
                String first = firstGap[d];
                int n = gaps[d];
                long bytes = gapBytes[d];
                if (rec && endOffsets != null && endOffsets[d] >= 0) {
                    String tail = null;
                    if (reached < endOffsets[d]) {
                        tail = (d == 0 ? "inbound" : "outbound") + " bytes " + reached + " to " + endOffsets[d]
                                + " missing";
                        bytes += endOffsets[d] - reached;
                    } else if (reached > endOffsets[d] && end == End.CLOSED) {
                        tail = (d == 0 ? "inbound" : "outbound") + " bytes " + endOffsets[d] + " to " + reached
                                + " recorded beyond the connection's end";
                        bytes += reached - endOffsets[d];
                    }
                    if (tail != null && n++ == 0) {
                        first = tail;
                    }
                    captured += Math.max(0, endOffsets[d] - from);
                } else if (rec) {
                    captured += reached - from;
                }
                if (n > 0) {
                    missing.add(first + (n == 1 ? "" : " (and " + (n - 1) + " more gaps, " + bytes + " bytes in all)"));
                }
            }
            String gapText = String.join(", ", missing);
            String main = switch (end) {
                case CLOSED -> missing.isEmpty() ? (midStream ? "closed" : "complete") : "incomplete: " + gapText;
                case TRUNCATED -> "truncated at " + captured + " B";
                case ABANDONED -> "abandoned at " + captured + " B: " + abandonedReason;
                default -> "open when the dump ends";
            };
            StringBuilder text = new StringBuilder(main);
            if (end != End.CLOSED && !missing.isEmpty()) {
                text.append("; incomplete: ").append(gapText);
            }
            if (midStream) {
                text.append("; mid-stream start (inbound from byte ").append(Math.max(0, start[0]));
                text.append(start[1] == FerryRecord.NOT_CAPTURED ? ")" : ", outbound from byte " + start[1] + ")");
            }
            if (endAmbiguous) {
                text.append("; more than one end record (the first counts)");
            } else if (recordsAfterEnd) {
                text.append("; records after its end record");
            }
            boolean complete = end == End.CLOSED && missing.isEmpty() && !midStream && !endAmbiguous
                    && !recordsAfterEnd;
            return new Status(end, complete, midStream, gapText, text.toString());
        }
    }

    /** Receives the records of a capture in order ({@link #forEachRecord}). */
    public interface RecordVisitor {
        /**
         * One record. {@code conn} is its connection (null for {@code DROPPED}, {@code REFUSED} and record types of
         * a newer minor version); the record carries the displayed connection id. {@code last} is true for the last
         * record of its connection, after which the tools know the connection's capture is over.
         */
        void record(Conn conn, FerryRecord record, boolean last) throws IOException;
    }

    /** One selected sampling window. */
    public static final class WindowInfo {
        public final String id;
        public long firstMicros = Long.MAX_VALUE;
        public long lastMicros = Long.MIN_VALUE;
        /** Connections (of the selection) that have records in this window. */
        public int connections;
        /** Connections not admitted, by reason, summed from {@code REFUSED} records. */
        public final Map<String, Long> refused = new TreeMap<>();

        WindowInfo(String id) {
            this.id = id;
        }
    }

    private record Key(String instance, long connectionId) {
    }

    /** A kept record: its connection (or null) and its sequence number among connection records. */
    private record Entry(Conn conn, FerryRecord record, long seq) {
    }

    /** The kinds of file the tools read. */
    enum Kind { FERRY, LAYOTTO, PCAPNG, SOURCE_SPOOL }

    /** A file read in the first pass: what to read again, how far, as what. */
    private record FileRead(Path path, long length, String instance, Kind kind) {
    }

    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://.*");

    private final String source;
    private final String format;
    private final Selection selection;
    private final boolean digests;
    /** The selected records, when kept (see {@link #keep}); null otherwise. */
    private List<Entry> entries;
    private final List<FileRead> files = new ArrayList<>();
    private final Map<Key, Conn> byKey = new LinkedHashMap<>();
    private final Map<Long, Conn> connections = new LinkedHashMap<>();
    private final Set<String> instancesSeen = new LinkedHashSet<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> unmatched = new ArrayList<>();
    /** Every window id the source delivered, selected or not. */
    private final Set<String> windowsSeen = new LinkedHashSet<>();
    private final List<String> unmatchedWindows = new ArrayList<>();
    private final List<String> available = new ArrayList<>();
    private final Map<String, Long> dropped = new LinkedHashMap<>();
    private final Map<String, Map<String, Long>> droppedByListener = new LinkedHashMap<>();
    /** REFUSED counts by "instance\nlistener", then reason. */
    private final Map<String, Map<String, Long>> refusedByListener = new LinkedHashMap<>();
    private final Map<String, WindowInfo> windows = new LinkedHashMap<>();
    private long recordCount;
    private long seq;
    /** Listener and window names, and proxy addresses, shared by the connections that have them (bounded). */
    private final Map<Object, Object> shared = new java.util.HashMap<>();
    /** A source's records in a temporary file ({@link #scan} of a URI), or null. */
    private SourceSpool spool;

    private Capture(String source, String format, Selection selection, boolean keep, boolean digests) {
        this.source = source;
        this.format = format;
        this.selection = selection;
        this.digests = digests;
        this.entries = keep ? new ArrayList<>() : null;
    }

    /** Reads {@code path}, keeping its records: a Ferry dump, a dump directory, or a Layotto {@code dump_tcp_copy.log}. */
    public static Capture read(Path path) throws IOException {
        return read(path, Selection.ALL);
    }

    /**
     * Reads what {@code selection} selects of {@code location}, keeping the records: a path as for
     * {@link #read(Path)}, a {@code file://} URI, or a URI whose scheme a {@link DumpSource} on the class path serves
     * ({@link #classPathSources()}).
     *
     * @throws IOException the location cannot be read, or no source serves its scheme
     */
    public static Capture read(String location, Selection selection) throws IOException {
        return read(location, selection, classPathSources());
    }

    /**
     * As {@link #read(String, Selection)}, with the {@link DumpSource}s to read URIs from (the CLI passes those the
     * registry found on the class path and in the plugin directory).
     */
    public static Capture read(String location, Selection selection, Iterable<? extends DumpSource> sources)
            throws IOException {
        return open(location, selection, true, false, sources);
    }

    /** Reads what {@code selection} selects of a Ferry dump, a dump directory, or a Layotto log, keeping the records. */
    public static Capture read(Path path, Selection selection) throws IOException {
        return readPath(path, selection, true, false);
    }

    /**
     * Reads the summaries of what {@code selection} selects of {@code location} (as {@link #read(String, Selection)})
     * without keeping the records of files: {@link #forEachRecord} reads them again. With {@code digests}, each
     * connection's {@link Conn#digest} is computed.
     */
    public static Capture scan(String location, Selection selection, boolean digests) throws IOException {
        return scan(location, selection, digests, classPathSources());
    }

    /** As {@link #scan(String, Selection, boolean)}, with the {@link DumpSource}s to read URIs from. */
    public static Capture scan(String location, Selection selection, boolean digests,
                               Iterable<? extends DumpSource> sources) throws IOException {
        return open(location, selection, false, digests, sources);
    }

    /** The {@link DumpSource}s {@link java.util.ServiceLoader} finds through this class's class loader. */
    public static List<DumpSource> classPathSources() {
        List<DumpSource> out = new ArrayList<>();
        java.util.ServiceLoader.load(DumpSource.class, Capture.class.getClassLoader()).forEach(out::add);
        return out;
    }

    private static Capture open(String location, Selection selection, boolean keep, boolean digests,
                                Iterable<? extends DumpSource> sources) throws IOException {
        Matcher m = SCHEME.matcher(location);
        if (!m.matches()) {
            return readPath(Path.of(location), selection, keep, digests);
        }
        String scheme = m.group(1).toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            try {
                return readPath(Path.of(java.net.URI.create(location)), selection, keep, digests);
            } catch (IllegalArgumentException e) {
                throw new IOException(location + ": not a file URI (expected: file:///PATH)");
            }
        }
        List<String> known = new ArrayList<>();
        for (DumpSource s : sources) {
            if (s.scheme().equals(scheme)) {
                // a source delivers its records once: read() keeps them in memory, scan() in a temporary file
                Capture c = new Capture(location, "ferry", selection, keep, digests);
                SourceSpool spool = null;
                if (!keep) {
                    try {
                        spool = SourceSpool.create();
                    } catch (IOException e) {
                        throw new IOException(location + ": cannot create a temporary file for its records in "
                                + System.getProperty("java.io.tmpdir") + " (" + e + "; expected: a writable"
                                + " java.io.tmpdir, set with FERRY_JAVA_OPTS=-Djava.io.tmpdir=DIR)", e);
                    }
                }
                SourceSpool spooled = spool;
                try {
                    s.read(location, selection, new DumpSource.Records() {
                        @Override
                        public void record(String instance, FerryRecord record) {
                            String i = instance == null ? "" : instance;
                            if (spooled != null) {
                                try {
                                    spooled.append(i, record);
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            }
                            c.add(i, record);
                        }

                        @Override
                        public void problem(String message) {
                            c.problems.add(message);
                        }
                    });
                    if (spool != null) {
                        spool.finish();
                        c.spool = spool;
                        c.files.add(new FileRead(spool.path(), spool.length(), "", Kind.SOURCE_SPOOL));
                    }
                } catch (java.io.UncheckedIOException e) {
                    spool.delete();
                    throw new IOException(location + ": writing its records to a temporary file: "
                            + e.getCause().getMessage(), e.getCause());
                } catch (IOException | RuntimeException | Error e) {
                    if (spool != null) {
                        spool.delete();
                    }
                    throw e;
                }
                return c.finish();
            }
            known.add(s.scheme() + "://");
        }
        throw new IOException(location + ": no dump source for " + scheme + ":// was found (expected: a file,"
                + " a dump directory" + (known.isEmpty() ? "" : ", or " + String.join(", ", known)) + ")");
    }

    private static Capture readPath(Path path, Selection selection, boolean keep, boolean digests) throws IOException {
        if (Files.isDirectory(path)) {
            List<Path> files = ferryFiles(path, FerryFormat.FILE);
            String format = "ferry";
            if (files.isEmpty()) {
                files = ferryFiles(path, io.ferry.dump.format.pcapng.PcapngWriter.FILE);
                format = "pcapng";
            }
            if (files.isEmpty()) {
                Path layotto = path.resolve(io.ferry.dump.format.LayottoFormat.TCP_COPY_FILE);
                if (Files.exists(layotto)) {
                    return readPath(layotto, selection, keep, digests);
                }
                throw new IOException(path + ": no " + FerryFormat.FILE + ", "
                        + io.ferry.dump.format.pcapng.PcapngWriter.FILE + " or "
                        + io.ferry.dump.format.LayottoFormat.TCP_COPY_FILE + " in this directory");
            }
            Capture c = new Capture(path.toString(), format, selection, keep, digests);
            for (Path f : files) {
                try {
                    if (format.equals("ferry")) {
                        c.readFerry(f);
                    } else {
                        c.readPcapng(f);
                    }
                } catch (IOException e) {
                    c.problems.add(e.getMessage() + "; the file is skipped");   // one bad file hides no other
                }
            }
            return c.finish();
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + ": no such file");
        }
        if (Files.size(path) == 0) {
            Capture c = new Capture(path.toString(), path.toString().endsWith(".log") ? "layotto" : "ferry", selection,
                    keep, digests);
            c.problems.add(path + ": empty file");
            return c.finish();
        }
        if (FerryReader.isFerryDump(path)) {
            Capture c = new Capture(path.toString(), "ferry", selection, keep, digests);
            c.readFerry(path);
            return c.finish();
        }
        if (io.ferry.dump.format.pcapng.PcapngReader.isPcapng(path)) {
            Capture c = new Capture(path.toString(), "pcapng", selection, keep, digests);
            c.readPcapng(path);
            return c.finish();
        }
        Capture c = new Capture(path.toString(), "layotto", selection, keep, digests);
        long length = Files.size(path);
        boolean[] any = new boolean[1];
        c.files.add(new FileRead(path, length, "", Kind.LAYOTTO));
        LayottoReader.read(path, length, r -> {
            any[0] = true;
            c.add("", r);
        }, c.problems::add);
        if (!any[0] && !c.problems.isEmpty()) {
            throw new IOException(path + ": neither a Ferry dump (magic \"FERRYDMP\"), a pcapng file, nor a Layotto "
                    + "dump_tcp_copy.log (" + c.problems.get(0) + ")");
        }
        return c.finish();
    }

    /** A capture of the given records of an unnamed instance, in order (as if read from a file called {@code source}). */
    public static Capture of(String source, List<FerryRecord> records) {
        return of(source, "", records);
    }

    /** A capture of the given records of proxy instance {@code instance}, in order, kept in memory. */
    public static Capture of(String source, String instance, List<FerryRecord> records) {
        Capture c = new Capture(source, "ferry", Selection.ALL, true, false);
        records.forEach(r -> c.add(instance, r));
        return c.finish();
    }

    /** The Ferry files of a dump directory, oldest first: {@code .N} … {@code .1}, then the current file. */
    static List<Path> ferryFiles(Path dir) throws IOException {
        return ferryFiles(dir, FerryFormat.FILE);
    }

    /** The files {@code name}, {@code name.1}, … of a dump directory, oldest first. */
    static List<Path> ferryFiles(Path dir, String name) throws IOException {
        TreeMap<Integer, Path> rotated = new TreeMap<>(java.util.Comparator.reverseOrder());
        Pattern p = Pattern.compile(Pattern.quote(name) + "\\.([1-9][0-9]{0,8})");
        try (var list = Files.list(dir)) {
            for (Path f : (Iterable<Path>) list::iterator) {
                Matcher m = p.matcher(f.getFileName().toString());
                if (m.matches() && Files.isRegularFile(f)) {
                    rotated.put(Integer.parseInt(m.group(1)), f);
                }
            }
        }
        List<Path> out = new ArrayList<>(rotated.values());
        Path cur = dir.resolve(name);
        if (Files.isRegularFile(cur)) {
            out.add(cur);
        }
        return out;
    }

    private void readFerry(Path file) throws IOException {
        try (FerryReader r = FerryReader.open(file)) {
            files.add(new FileRead(file, r.length(), r.instance(), Kind.FERRY));
            try {
                for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                    add(r.instance(), rec);
                }
            } finally {
                problems.addAll(r.problems());
            }
        }
    }

    private void readPcapng(Path file) throws IOException {
        long length = Files.size(file);
        try (io.ferry.dump.format.pcapng.PcapngReader r = io.ferry.dump.format.pcapng.PcapngReader.open(file, length)) {
            files.add(new FileRead(file, length, null, Kind.PCAPNG));
            try {
                for (var rec = r.next(); rec != null; rec = r.next()) {
                    add(rec.instance(), rec.record());
                }
            } finally {
                problems.addAll(r.problems());
            }
        }
    }

    /** {@code name}, or an equal one read before: connections share their listener's and windows' names. */
    private String name(String name) {
        return shared(name);
    }

    @SuppressWarnings("unchecked")
    private <T> T shared(T value) {
        if (shared.size() >= MAX_SHARED) {
            return value;                               // a dump of that many names gains nothing from sharing
        }
        return (T) shared.computeIfAbsent(value, v -> v);
    }

    private static final int MAX_SHARED = 4096;

    private static boolean connectionRecord(FerryRecord r) {
        return r.type() >= FerryRecord.OPEN && r.type() <= FerryRecord.TRUNCATED || r.type() == FerryRecord.ABANDONED;
    }

    private void add(String instance, FerryRecord r) {
        if (!r.window().isEmpty()) {
            windowsSeen.add(r.window());
        }
        if (!selection.record(r)) {
            return;
        }
        if (!connectionRecord(r)) {
            recordCount++;
            window(r);
            if (r.type() == FerryRecord.DROPPED) {
                dropped.merge(r.reason(), r.value(), Long::sum);
                droppedByListener.computeIfAbsent(r.listener(), k -> new TreeMap<>()).merge(r.reason(), r.value(),
                        Long::sum);
            } else if (r.type() == FerryRecord.REFUSED) {
                windows.get(r.window()).refused.merge(r.reason(), r.value(), Long::sum);
                refusedByListener.computeIfAbsent(instance + "\n" + r.listener(), k -> new TreeMap<>())
                        .merge(r.reason(), r.value(), Long::sum);
            }
            if (entries != null) {
                entries.add(new Entry(null, r, -1));    // DROPPED, REFUSED, a newer minor's type: kept, not a connection
            }
            return;
        }
        Conn c = byKey.computeIfAbsent(new Key(instance, r.connectionId()), k -> newConn(k.instance(), k.connectionId()));
        instancesSeen.add(instance);
        long s = seq++;
        if (!selection.mayContain(instance, r.connectionId())) {
            return;     // not selected by key: counted for the numbering, its records are not kept
        }
        c.records++;
        c.lastSeq = s;
        c.span(name(r.window()), r.timeMicros());
        if (entries != null) {
            entries.add(new Entry(c, r, s));
        }
        if (!r.listener().isEmpty()) {
            c.listener = name(r.listener());
        }
        c.firstMicros = Math.min(c.firstMicros, r.timeMicros());
        c.lastMicros = Math.max(c.lastMicros, r.timeMicros());
        switch (r.type()) {
            case FerryRecord.OPEN -> {
                if (!c.openSeen) {
                    c.remote = r.remote();
                    c.local = shared(r.local());
                    c.midStream = r.midStream();
                    c.start[0] = r.inbound();
                    c.start[1] = r.outbound();
                }
                c.openSeen = true;
            }
            case FerryRecord.DATA -> {
                c.data(r);
                if (entries != null) {
                    c.data.add(r);
                }
                if (r.direction() == FerryRecord.OUTBOUND) {
                    if (c.firstOutboundMicros == Long.MIN_VALUE) {
                        c.firstOutboundMicros = r.timeMicros();
                    }
                    c.outboundBytes += r.payload().length;
                    c.outboundRecords++;
                } else {
                    if (c.firstInboundMicros == Long.MIN_VALUE) {
                        c.firstInboundMicros = r.timeMicros();
                    }
                    c.inboundBytes += r.payload().length;
                    c.inboundRecords++;
                }
            }
            case FerryRecord.CLOSE -> {
                c.closeSeen = true;
                c.end(r);
            }
            case FerryRecord.TRUNCATED -> {
                c.truncated = true;
                c.end(r);
            }
            default -> {
                if (c.abandonedReason == null) {
                    c.abandonedReason = r.reason();
                }
                c.end(r);
            }
        }
        if ("layotto".equals(format)) {
            c.layotto = true;
        }
    }

    private Conn newConn(String instance, long id) {
        Conn c = new Conn(instance, id);
        if (digests) {
            try {
                c.digesting = new MessageDigest[] {MessageDigest.getInstance("SHA-256"),
                        MessageDigest.getInstance("SHA-256")};
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
            }
        }
        return c;
    }

    private void window(FerryRecord r) {
        window(r.window(), r.timeMicros(), r.timeMicros());
    }

    private WindowInfo window(String id, long first, long last) {
        WindowInfo w = windows.computeIfAbsent(id, WindowInfo::new);
        w.firstMicros = Math.min(w.firstMicros, first);
        w.lastMicros = Math.max(w.lastMicros, last);
        return w;
    }

    /** Numbers the connections, applies the connection part of the selection, relabels the kept records. */
    private Capture finish() {
        if (instancesSeen.size() > 1) {
            long n = 0;
            for (Conn c : byKey.values()) {
                c.id = ++n;
            }
        }
        List<Conn> selected = new ArrayList<>();
        for (Conn c : byKey.values()) {
            boolean chosen = selection.connections().isEmpty()
                    || selection.connections().stream().anyMatch(ref -> ref.matches(c.instance, c.connectionId, c.id));
            if (chosen && c.lastSeq >= 0) {
                selected.add(c);
            }
        }
        for (Selection.ConnectionRef ref : selection.connections()) {
            if (selected.stream().noneMatch(c -> ref.matches(c.instance, c.connectionId, c.id))) {
                unmatched.add(ref.toString());
            }
        }
        for (String w : selection.windows()) {
            if (!windowsSeen.contains(w)) {
                unmatchedWindows.add(w);
            }
        }
        if (!unmatched.isEmpty()) {
            for (Conn c : byKey.values()) {
                available.add(instancesSeen.size() <= 1 ? Long.toString(c.id) : c.id + " (" + c.key() + ")");
            }
        }
        for (Conn c : selected) {
            c.finishDigests();
            connections.put(c.id, c);
            c.data.replaceAll(r -> relabel(r, c));
            recordCount += c.records;
            c.forEachSpan((w, first, last) -> window(w, first, last).connections++);
        }
        List<WindowInfo> byTime = new ArrayList<>(windows.values());
        byTime.sort(java.util.Comparator.comparingLong(w -> w.firstMicros));
        windows.clear();
        byTime.forEach(w -> windows.put(w.id, w));
        if (entries != null) {
            List<Entry> all = entries;
            entries = new ArrayList<>();
            for (Entry e : all) {
                if (e.conn() == null) {
                    entries.add(e);
                } else if (connections.get(e.conn().id) == e.conn()) {
                    entries.add(new Entry(e.conn(), relabel(e.record(), e.conn()), e.seq()));
                }
            }
        }
        return this;
    }

    private static FerryRecord relabel(FerryRecord r, Conn c) {
        return r.connectionId() == c.id ? r : new FerryRecord(r.type(), r.direction(), r.flags(), r.timeMicros(), c.id,
                r.window(), r.listener(), r.remote(), r.local(), r.inbound(), r.outbound(), r.payload(), r.value());
    }

    /**
     * Hands every selected record to {@code visitor} in dump order, connection records relabelled with the displayed
     * id: from memory if the records are kept, else by reading the files again (up to the length they had when first
     * read).
     */
    public void forEachRecord(RecordVisitor visitor) throws IOException {
        if (entries != null) {
            for (Entry e : entries) {
                visitor.record(e.conn(), e.record(), e.conn() != null && e.seq() == e.conn().lastSeq);
            }
            return;
        }
        long[] s = {0};
        for (FileRead f : files) {
            switch (f.kind()) {
                case FERRY -> {
                    try (FerryReader r = FerryReader.open(f.path(), f.length())) {
                        for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                            again(f.instance(), rec, s, visitor);
                        }
                    }
                }
                case PCAPNG -> {
                    try (var r = io.ferry.dump.format.pcapng.PcapngReader.open(f.path(), f.length())) {
                        for (var rec = r.next(); rec != null; rec = r.next()) {
                            again(rec.instance(), rec.record(), s, visitor);
                        }
                    }
                }
                case SOURCE_SPOOL -> SourceSpool.forEach(f.path(), f.length(),
                        (instance, rec) -> again(instance, rec, s, visitor));
                case LAYOTTO -> {
                    IOException[] failed = new IOException[1];
                    LayottoReader.read(f.path(), f.length(), rec -> {
                        if (failed[0] == null) {
                            try {
                                again("", rec, s, visitor);
                            } catch (IOException e) {
                                failed[0] = e;
                            }
                        }
                    }, p -> { });
                    if (failed[0] != null) {
                        throw failed[0];
                    }
                }
            }
        }
    }

    /** A record read again ({@link #forEachRecord}): handed to {@code visitor} if selected. */
    private void again(String instance, FerryRecord rec, long[] s, RecordVisitor visitor) throws IOException {
        if (!selection.record(rec)) {
            return;
        }
        if (!connectionRecord(rec)) {
            visitor.record(null, rec, false);
            return;
        }
        long mine = s[0]++;
        Conn c = byKey.get(new Key(instance, rec.connectionId()));
        if (c != null && connections.get(c.id) == c) {
            visitor.record(c, relabel(rec, c), mine == c.lastSeq);
        }
    }

    /**
     * Removes what the capture holds on disk: the temporary copy of a {@link DumpSource}'s records that
     * {@link #scan} makes. {@link #forEachRecord} cannot be used afterwards for such a capture.
     */
    @Override
    public void close() {
        if (spool != null) {
            spool.delete();
        }
    }

    /** The temporary copy of a source's records, or null. For tests. */
    Path spoolFile() {
        return spool == null ? null : spool.path();
    }

    /** What was selected. */
    public Selection selection() {
        return selection;
    }

    /** The proxy instances the selected connections come from, in order of first appearance; empty if unknown. */
    public Set<String> instances() {
        Set<String> out = new LinkedHashSet<>();
        for (Conn c : connections.values()) {
            if (!c.instance.isEmpty()) {
                out.add(c.instance);
            }
        }
        return out;
    }

    /** True if the dump holds more than one proxy instance, so that the displayed ids are renumbered. */
    public boolean renumbered() {
        return instancesSeen.size() > 1;
    }

    /** The proxy instance of displayed connection {@code id}, {@code ""} if unknown. */
    public String instance(long id) {
        Conn c = connections.get(id);
        return c == null ? "" : c.instance;
    }

    /** The {@code --window} values of the selection that named no window of this dump. */
    public List<String> unmatchedWindows() {
        return unmatchedWindows;
    }

    /** Every window id of the records the source delivered, in order of appearance, selected or not. */
    public Set<String> windowsSeen() {
        return java.util.Collections.unmodifiableSet(windowsSeen);
    }

    /** The {@code --connection} values of the selection that named no connection of this dump. */
    public List<String> unmatched() {
        return unmatched;
    }

    /**
     * When {@link #unmatched()} is not empty: every connection the windows and time range select, as
     * {@code ID} or {@code ID (INSTANCE/ID)}, to name in the error.
     */
    public List<String> available() {
        return available;
    }

    /** Where the dump was read from. */
    public String source() {
        return source;
    }

    /** {@code ferry}, {@code pcapng} or {@code layotto}. */
    public String format() {
        return format;
    }

    /** True if the records are kept in memory ({@link #records()}, {@link Conn#data}). */
    public boolean keepsRecords() {
        return entries != null;
    }

    /**
     * Every selected record in dump order (Layotto lines as {@code DATA} records of pseudo-connections).
     *
     * @throws IllegalStateException if the records were not kept ({@link #scan}); use {@link #forEachRecord}
     */
    public List<FerryRecord> records() {
        if (entries == null) {
            throw new IllegalStateException("the records of " + source + " were not kept (read, not scan, keeps them)");
        }
        return entries.stream().map(Entry::record).toList();
    }

    /** The number of selected records. */
    public long recordCount() {
        return recordCount;
    }

    /** The selected connections by displayed id, in order of first appearance. */
    public Map<Long, Conn> connections() {
        return connections;
    }

    /** The sampling windows of the selected records, in order of first appearance. */
    public Map<String, WindowInfo> windows() {
        return windows;
    }

    /** Records dropped before they reached the dump, by reason, as recorded in {@code DROPPED} records. */
    public Map<String, Long> dropped() {
        return dropped;
    }

    /** {@code DROPPED} counts by listener, then reason. */
    public Map<String, Map<String, Long>> droppedByListener() {
        return droppedByListener;
    }

    /**
     * Connections not admitted, summed from {@code REFUSED} records: by instance and listener (the key is
     * {@code INSTANCE + "\n" + LISTENER}), then by reason.
     */
    public Map<String, Map<String, Long>> refused() {
        return refusedByListener;
    }

    /** Damage found while reading (with file and offset, or partition and offset); empty if there was none. */
    public List<String> problems() {
        return problems;
    }

}
