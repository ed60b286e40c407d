package io.ferry.tcpcopy.tools;

import io.ferry.tcpcopy.record.Endpoint;
import io.ferry.tcpcopy.record.FerryFormat;
import io.ferry.tcpcopy.record.FerryReader;
import io.ferry.tcpcopy.record.FerryRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A dump read into memory for the {@code ferry dump} tools: its records in file order and a summary per connection.
 * Reads a Ferry dump file, a dump directory (its {@code dump_tcp_copy.ferry} files, rotated ones first, oldest
 * first), a Layotto {@code dump_tcp_copy.log} (see {@link LayottoReader}), or a URI served by a {@link DumpSource}
 * such as {@code kafka://HOST:PORT/TOPIC}. A damaged or cut-short record ends the read of its file; everything before
 * it is kept and {@link #problems()} says where. Not thread-safe.
 *
 * <h2>Selection and connection ids</h2>
 * Only the records a {@link Selection} selects are kept (unselected payloads are dropped as they are read). A
 * connection is identified by its proxy instance and that proxy's connection id ({@link Conn#key()}). When every
 * connection comes from one instance (always so for files) the displayed id {@link Conn#id} is the connection id, as
 * in the dump. When the dump holds several instances, whose ids collide, the connections are numbered 1, 2, ... in
 * order of first appearance (among the records selected by window and time) and the records handed out by
 * {@link #records()} and {@link Conn#data} carry that number as their connection id, so converters keep them apart.
 * The connection part of the selection is applied last, by displayed id or by key.
 */
public final class Capture {

    /** What is known of one connection. */
    public static final class Conn {
        /** The id the tools display and select (see the class comment). */
        public long id;
        /** The proxy instance that captured the connection ({@code ""} for files, which do not record it). */
        public final String instance;
        /** The connection id as that proxy numbered it. */
        public final long connectionId;
        public String listener = "";
        public Endpoint remote = Endpoint.UNKNOWN_ENDPOINT;
        public Endpoint local = Endpoint.UNKNOWN_ENDPOINT;
        public final Set<String> windows = new LinkedHashSet<>();
        public long inboundBytes;
        public long outboundBytes;
        public int inboundRecords;
        public int outboundRecords;
        public boolean openSeen;
        public boolean closeSeen;
        public boolean truncated;
        public long firstMicros = Long.MAX_VALUE;
        public long lastMicros;
        /** The DATA records of this connection, in order. */
        public final List<FerryRecord> data = new ArrayList<>();

        Conn(String instance, long connectionId) {
            this.instance = instance;
            this.connectionId = connectionId;
            this.id = connectionId;
        }

        /** {@code INSTANCE/ID} as in the Kafka record key, or the bare connection id if the instance is unknown. */
        public String key() {
            return instance.isEmpty() ? Long.toString(connectionId) : instance + "/" + connectionId;
        }

        /** All bytes of one direction, concatenated in capture order. */
        public byte[] bytes(int direction) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (FerryRecord r : data) {
                if (r.direction() == direction) {
                    out.writeBytes(r.payload());
                }
            }
            return out.toByteArray();
        }
    }

    private record Key(String instance, long connectionId) {
    }

    private static final java.util.regex.Pattern SCHEME = java.util.regex.Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://.*");

    private final String source;
    private final String format;
    private final Selection selection;
    private final List<FerryRecord> records = new ArrayList<>();
    /** Parallel to {@link #records} until {@link #finish()}: the connection of each record, or null. */
    private List<Conn> owners = new ArrayList<>();
    private final Map<Key, Conn> byKey = new LinkedHashMap<>();
    private final Map<Long, Conn> connections = new LinkedHashMap<>();
    private final Set<String> instances = new LinkedHashSet<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> unmatched = new ArrayList<>();
    /** Every window id the source delivered, selected or not. */
    private final Set<String> windowsSeen = new LinkedHashSet<>();
    private final List<String> unmatchedWindows = new ArrayList<>();
    private final List<String> available = new ArrayList<>();
    private final Map<String, Long> dropped = new LinkedHashMap<>();

    private Capture(String source, String format, Selection selection) {
        this.source = source;
        this.format = format;
        this.selection = selection;
    }

    /** Reads {@code path}: a Ferry dump, a dump directory, or a Layotto {@code dump_tcp_copy.log}. */
    public static Capture read(Path path) throws IOException {
        return read(path, Selection.ALL);
    }

    /**
     * Reads what {@code selection} selects of {@code location}: a path as for {@link #read(Path)}, a
     * {@code file://} URI, or a URI whose scheme a {@link DumpSource} on the class path serves.
     *
     * @throws IOException the location cannot be read, or no source serves its scheme
     */
    public static Capture read(String location, Selection selection) throws IOException {
        java.util.regex.Matcher m = SCHEME.matcher(location);
        if (!m.matches()) {
            return read(Path.of(location), selection);
        }
        String scheme = m.group(1).toLowerCase(java.util.Locale.ROOT);
        if (scheme.equals("file")) {
            return read(Path.of(java.net.URI.create(location)), selection);
        }
        List<String> known = new ArrayList<>();
        for (DumpSource s : java.util.ServiceLoader.load(DumpSource.class, Capture.class.getClassLoader())) {
            if (s.scheme().equals(scheme)) {
                Capture c = new Capture(location, "ferry", selection);
                s.read(location, selection, new DumpSource.Records() {
                    @Override
                    public void record(String instance, FerryRecord record) {
                        c.add(instance, record);
                    }

                    @Override
                    public void problem(String message) {
                        c.problems.add(message);
                    }
                });
                return c.finish();
            }
            known.add(s.scheme() + "://");
        }
        throw new IOException(location + ": no dump source for " + scheme + ":// on the class path (expected: a file,"
                + " a dump directory" + (known.isEmpty() ? "" : ", or " + String.join(", ", known)) + ")");
    }

    /** Reads what {@code selection} selects of a Ferry dump, a dump directory, or a Layotto log. */
    public static Capture read(Path path, Selection selection) throws IOException {
        if (Files.isDirectory(path)) {
            List<Path> files = ferryFiles(path);
            if (files.isEmpty()) {
                Path layotto = path.resolve(io.ferry.tcpcopy.dump.LayottoFormat.TCP_COPY_FILE);
                if (Files.exists(layotto)) {
                    return read(layotto, selection);
                }
                throw new IOException(path + ": no " + FerryFormat.FILE + " or "
                        + io.ferry.tcpcopy.dump.LayottoFormat.TCP_COPY_FILE + " in this directory");
            }
            Capture c = new Capture(path.toString(), "ferry", selection);
            for (Path f : files) {
                c.readFerry(f);
            }
            return c.finish();
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + ": no such file");
        }
        if (Files.size(path) == 0) {
            Capture c = new Capture(path.toString(), path.toString().endsWith(".log") ? "layotto" : "ferry", selection);
            c.problems.add(path + ": empty file");
            return c.finish();
        }
        if (FerryReader.isFerryDump(path)) {
            Capture c = new Capture(path.toString(), "ferry", selection);
            c.readFerry(path);
            return c.finish();
        }
        Capture c = new Capture(path.toString(), "layotto", selection);
        boolean[] any = new boolean[1];
        LayottoReader.read(path, r -> {
            any[0] = true;
            c.add("", r);
        }, c.problems::add);
        if (!any[0] && !c.problems.isEmpty()) {
            throw new IOException(path + ": neither a Ferry dump (magic \"FERRYDMP\") nor a Layotto dump_tcp_copy.log ("
                    + c.problems.get(0) + ")");
        }
        return c.finish();
    }

    /** A capture of the given records, in order (as if read from a file called {@code source}). */
    public static Capture of(String source, List<FerryRecord> records) {
        Capture c = new Capture(source, "ferry", Selection.ALL);
        records.forEach(r -> c.add("", r));
        return c.finish();
    }

    /** The Ferry files of a dump directory, oldest first: {@code .N} … {@code .1}, then the current file. */
    static List<Path> ferryFiles(Path dir) {
        List<Path> out = new ArrayList<>();
        for (int i = 1000; i >= 1; i--) {
            Path p = dir.resolve(FerryFormat.FILE + "." + i);
            if (Files.exists(p)) {
                out.add(p);
            }
        }
        Path cur = dir.resolve(FerryFormat.FILE);
        if (Files.exists(cur)) {
            out.add(cur);
        }
        return out;
    }

    private void readFerry(Path file) throws IOException {
        try (FerryReader r = FerryReader.open(file)) {
            for (FerryRecord rec = r.next(); rec != null; rec = r.next()) {
                add("", rec);
            }
            if (r.problem() != null) {
                problems.add(r.problem());
            }
        }
    }

    private void add(String instance, FerryRecord r) {
        if (!r.window().isEmpty()) {
            windowsSeen.add(r.window());
        }
        if (!selection.record(r)) {
            return;
        }
        if (r.type() == FerryRecord.DROPPED) {
            records.add(r);
            owners.add(null);
            dropped.merge(new String(r.payload(), java.nio.charset.StandardCharsets.UTF_8), r.value(), Long::sum);
            return;
        }
        if (r.type() < FerryRecord.OPEN || r.type() > FerryRecord.TRUNCATED) {
            records.add(r);     // a record type of a newer minor version: kept in records(), not interpreted
            owners.add(null);
            return;
        }
        Conn c = byKey.computeIfAbsent(new Key(instance, r.connectionId()), k -> new Conn(k.instance(), k.connectionId()));
        instances.add(instance);
        if (!selection.mayContain(instance, r.connectionId())) {
            return;     // not selected by key: counted for the numbering, its records are not kept
        }
        records.add(r);
        owners.add(c);
        if (!r.listener().isEmpty()) {
            c.listener = r.listener();
        }
        if (!r.window().isEmpty()) {
            c.windows.add(r.window());
        }
        c.firstMicros = Math.min(c.firstMicros, r.timeMicros());
        c.lastMicros = Math.max(c.lastMicros, r.timeMicros());
        switch (r.type()) {
            case FerryRecord.OPEN -> {
                if (!c.openSeen) {
                    c.remote = r.remote();
                    c.local = r.local();
                }
                c.openSeen = true;
            }
            case FerryRecord.CLOSE -> c.closeSeen = true;
            case FerryRecord.TRUNCATED -> c.truncated = true;
            case FerryRecord.DATA -> {
                c.data.add(r);
                if (r.direction() == FerryRecord.OUTBOUND) {
                    c.outboundBytes += r.payload().length;
                    c.outboundRecords++;
                } else {
                    c.inboundBytes += r.payload().length;
                    c.inboundRecords++;
                }
            }
            default -> {
            }
        }
    }

    /** Numbers the connections, applies the connection part of the selection, relabels the records. */
    private Capture finish() {
        if (instances.size() > 1) {
            long n = 0;
            for (Conn c : byKey.values()) {
                c.id = ++n;
            }
        }
        List<Conn> selected = new ArrayList<>();
        for (Conn c : byKey.values()) {
            if (selection.connections().isEmpty() || selection.connections().stream().anyMatch(ref -> ref.matches(c))) {
                selected.add(c);
            }
        }
        for (Selection.ConnectionRef ref : selection.connections()) {
            if (selected.stream().noneMatch(ref::matches)) {
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
                available.add(c.instance.isEmpty() ? Long.toString(c.id) : c.id + " (" + c.key() + ")");
            }
        }
        Set<Conn> keep = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        keep.addAll(selected);
        List<FerryRecord> all = new ArrayList<>(records);
        records.clear();
        for (int i = 0; i < all.size(); i++) {
            Conn c = owners.get(i);
            if (c == null) {
                records.add(all.get(i));
            } else if (keep.contains(c)) {
                records.add(relabel(all.get(i), c));
            }
        }
        for (Conn c : selected) {
            c.data.replaceAll(r -> relabel(r, c));
            connections.put(c.id, c);
        }
        owners = null;
        return this;
    }

    private static FerryRecord relabel(FerryRecord r, Conn c) {
        return r.connectionId() == c.id ? r : new FerryRecord(r.type(), r.direction(), r.timeMicros(), c.id,
                r.window(), r.listener(), r.remote(), r.local(), r.payload(), r.value());
    }

    /** What was selected. */
    public Selection selection() {
        return selection;
    }

    /** The proxy instances the selected connections come from, in order of first appearance; empty for files. */
    public Set<String> instances() {
        Set<String> out = new LinkedHashSet<>();
        for (Conn c : connections.values()) {
            if (!c.instance.isEmpty()) {
                out.add(c.instance);
            }
        }
        return out;
    }

    /** The proxy instance of displayed connection {@code id}, {@code ""} if unknown (files, {@code DROPPED}). */
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

    /** {@code ferry} or {@code layotto}. */
    public String format() {
        return format;
    }

    /** Every record in file order (Layotto lines as {@code DATA} records of pseudo-connections). */
    public List<FerryRecord> records() {
        return records;
    }

    /** The selected connections by displayed id, in order of first appearance. */
    public Map<Long, Conn> connections() {
        return connections;
    }

    /** Records dropped before they reached the file, by reason, as recorded in {@code DROPPED} records. */
    public Map<String, Long> dropped() {
        return dropped;
    }

    /** Why reading stopped early in some file (a torn or damaged record), empty if every file ended cleanly. */
    public List<String> problems() {
        return problems;
    }
}
