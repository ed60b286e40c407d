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
 * first), or a Layotto {@code dump_tcp_copy.log} (see {@link LayottoReader}). A damaged or cut-short record ends the
 * read of its file; everything before it is kept and {@link #problems()} says where. Not thread-safe.
 */
public final class Capture {

    /** What is known of one connection. */
    public static final class Conn {
        public final long id;
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

        Conn(long id) {
            this.id = id;
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

    private final String source;
    private final String format;
    private final List<FerryRecord> records = new ArrayList<>();
    private final Map<Long, Conn> connections = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final Map<String, Long> dropped = new LinkedHashMap<>();

    private Capture(String source, String format) {
        this.source = source;
        this.format = format;
    }

    /** Reads {@code path}: a Ferry dump, a dump directory, or a Layotto {@code dump_tcp_copy.log}. */
    public static Capture read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            List<Path> files = ferryFiles(path);
            if (files.isEmpty()) {
                Path layotto = path.resolve(io.ferry.tcpcopy.dump.LayottoFormat.TCP_COPY_FILE);
                if (Files.exists(layotto)) {
                    return read(layotto);
                }
                throw new IOException(path + ": no " + FerryFormat.FILE + " or "
                        + io.ferry.tcpcopy.dump.LayottoFormat.TCP_COPY_FILE + " in this directory");
            }
            Capture c = new Capture(path.toString(), "ferry");
            for (Path f : files) {
                c.readFerry(f);
            }
            return c;
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + ": no such file");
        }
        if (Files.size(path) == 0) {
            Capture c = new Capture(path.toString(), path.toString().endsWith(".log") ? "layotto" : "ferry");
            c.problems.add(path + ": empty file");
            return c;
        }
        if (FerryReader.isFerryDump(path)) {
            Capture c = new Capture(path.toString(), "ferry");
            c.readFerry(path);
            return c;
        }
        Capture c = new Capture(path.toString(), "layotto");
        LayottoReader.read(path, c::add, c.problems::add);
        if (c.records.isEmpty() && !c.problems.isEmpty()) {
            throw new IOException(path + ": neither a Ferry dump (magic \"FERRYDMP\") nor a Layotto dump_tcp_copy.log ("
                    + c.problems.get(0) + ")");
        }
        return c;
    }

    /** A capture of the given records, in order (as if read from a file called {@code source}). */
    public static Capture of(String source, List<FerryRecord> records) {
        Capture c = new Capture(source, "ferry");
        records.forEach(c::add);
        return c;
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
                add(rec);
            }
            if (r.problem() != null) {
                problems.add(r.problem());
            }
        }
    }

    void add(FerryRecord r) {
        records.add(r);
        if (r.type() == FerryRecord.DROPPED) {
            dropped.merge(new String(r.payload(), java.nio.charset.StandardCharsets.UTF_8), r.value(), Long::sum);
            return;
        }
        if (r.type() < FerryRecord.OPEN || r.type() > FerryRecord.TRUNCATED) {
            return;     // a record type of a newer minor version: kept in records(), not interpreted
        }
        Conn c = connections.computeIfAbsent(r.connectionId(), Conn::new);
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

    /** Connections in order of first appearance. */
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
