package io.ferry.tcpcopy;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.ferry.filter.api.admin.AdminRegistry;
import io.ferry.filter.api.spi.FilterConfigException;
import io.ferry.filter.api.spi.FilterScheduler;
import io.ferry.tcpcopy.config.DumpConfig;
import io.ferry.tcpcopy.config.Strategy;
import io.ferry.tcpcopy.dump.DumpWriter;
import io.ferry.tcpcopy.fuse.Fuse;
import io.ferry.tcpcopy.fuse.Usage;
import io.ferry.tcpcopy.fuse.UsageSampler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The tcpcopy state shared by all tcpcopy instances of one {@link TcpCopyProvider}: the global strategy, the
 * instances by listener name, the fuse, and one dump writer per dump directory. It is also the public API for
 * applications that run in the same JVM as the proxy.
 *
 * <h2>How to get it</h2>
 * From the factory the runtime created, {@link TcpCopyFactory#tcpCopy()}, or from the provider,
 * {@link TcpCopyProvider#tcpCopy()}. There is no static accessor: two providers (two proxies in one JVM, or tests)
 * have independent state, unlike Layotto's process-wide globals (defect 11).
 *
 * <h2>Portrait data</h2>
 * {@link #uploadPortraitData(String, Object, String)} is Layotto's {@code UploadPortraitData}: one accepted upload
 * per business type per window, written to {@code dump_portrait_data.log} with a config record in
 * {@code dump_mem_dump.log}.
 *
 * <h2>Threading</h2>
 * Thread-safe. Nothing here runs on the data path except reading volatile fields.
 */
public final class TcpCopy {

    /** Layotto's business types (type/business_type.go); any other non-empty type is accepted as custom. */
    public static final String RPC = "RPC";
    public static final String CONFIGURATION = "CONFIGURATION";
    public static final String STATE = "STATE";

    /** How often the fuse samples CPU and memory, on the scheduler's timer. */
    public static final long FUSE_SAMPLE_PERIOD_MILLIS = 1000;

    private final Gson gson = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private final Fuse fuse;
    private final Map<String, TcpCopyFactory> instances = new ConcurrentHashMap<>();
    private final Map<Path, WriterRef> writers = new HashMap<>();
    private final Set<AdminRegistry> adminRegistries = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Supplier<DumpWriterFactory> writerFactory;
    private volatile Strategy global = Strategy.DEFAULT;
    private FilterScheduler.Cancellable sampling;

    /** Creates dump writers; replaced in tests. */
    @FunctionalInterface
    interface DumpWriterFactory {
        DumpWriter create(DumpConfig config);
    }

    private static final class WriterRef {
        final DumpWriter writer;
        int users;

        WriterRef(DumpWriter writer) {
            this.writer = writer;
        }
    }

    TcpCopy(UsageSampler sampler) {
        this(sampler, () -> DumpWriter::new);
    }

    TcpCopy(UsageSampler sampler, Supplier<DumpWriterFactory> writerFactory) {
        this.fuse = new Fuse(sampler);
        this.writerFactory = writerFactory;
    }

    /**
     * Uploads portrait data for the listener whose records carry {@code port} (see
     * {@link TcpCopyFactory#portLabel()}), as Layotto's {@code UploadPortraitData}. Accepted only while that
     * listener's window is open, and only the first upload per business type per window. Never blocks.
     *
     * @param businessType {@link #RPC}, {@link #CONFIGURATION}, {@link #STATE} or a custom type; not empty
     * @param data         a header map ({@code Map<String, ?>}, written as a map of strings) or any value gson can
     *                     serialise
     * @param port         the listener port, as a string
     * @return true if the upload was accepted and queued for writing
     */
    public boolean uploadPortraitData(String businessType, Object data, String port) {
        if (businessType == null || businessType.isEmpty() || port == null) {
            return false;
        }
        String json;
        try {
            json = portraitJson(data);
        } catch (RuntimeException e) {
            return false;
        }
        boolean accepted = false;
        for (TcpCopyFactory f : instances.values()) {
            Window w = f.currentWindow();
            if (w != null && port.equals(w.port())) {
                accepted |= f.uploadPortrait(businessType, json);
            }
        }
        return accepted;
    }

    String portraitJson(Object data) {
        if (data instanceof Map<?, ?> m) {
            Map<String, String> headers = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                headers.put(String.valueOf(e.getKey()), e.getValue() == null ? null : String.valueOf(e.getValue()));
            }
            return gson.toJson(headers);
        }
        return gson.toJson(data);
    }

    /** The global strategy (Layotto's default, switch OFF, until replaced). */
    public Strategy globalStrategy() {
        return global;
    }

    /** Replaces the global strategy (already validated) and applies it to every listener. */
    public void updateGlobalStrategy(Strategy strategy) {
        global = strategy;
        for (TcpCopyFactory f : instances.values()) {
            f.onStrategyChanged();
        }
    }

    /** The tcpcopy instance of listener {@code name}. */
    public Optional<TcpCopyFactory> listener(String name) {
        return Optional.ofNullable(instances.get(name));
    }

    /** All tcpcopy instances, by listener name, sorted. */
    public Map<String, TcpCopyFactory> listeners() {
        Map<String, TcpCopyFactory> m = new java.util.TreeMap<>(instances);
        return Collections.unmodifiableMap(m);
    }

    public Fuse fuse() {
        return fuse;
    }

    Map<String, Object> fuseState() {
        Usage u = fuse.latest();
        Map<String, Object> m = u == null ? new LinkedHashMap<>() : u.toMap();
        if (fuse.error() != null) {
            m.put("error", fuse.error());
        }
        return m;
    }

    Gson gson() {
        return gson;
    }

    /** Registers the admin endpoints once per admin registry. */
    synchronized void registerAdmin(AdminRegistry registry) {
        if (adminRegistries.add(registry)) {
            new TcpCopyAdmin(this).register(registry);
        }
    }

    synchronized void attach(String name, TcpCopyFactory f, String path) throws FilterConfigException {
        TcpCopyFactory existing = instances.putIfAbsent(name, f);
        if (existing != null && existing != f) {
            throw new FilterConfigException(path, name, "one tcpcopy filter per listener; listener \"" + name
                    + "\" already has one");
        }
        if (sampling == null) {
            FilterScheduler s = f.schedulerForSampling();
            sampling = s.scheduleAtFixedRate(fuse::sample, FUSE_SAMPLE_PERIOD_MILLIS, FUSE_SAMPLE_PERIOD_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    synchronized void detach(String name, TcpCopyFactory f) {
        instances.remove(name, f);
        if (instances.isEmpty() && sampling != null) {
            sampling.cancel();
            sampling = null;
        }
    }

    /**
     * The writer of {@code dump.dir}, shared by every listener that dumps there. Listeners sharing a directory must
     * agree on its limits.
     */
    synchronized DumpWriter acquireWriter(DumpConfig dump, String path) throws FilterConfigException {
        Path key = dump.dir().toAbsolutePath().normalize();
        WriterRef ref = writers.get(key);
        if (ref == null) {
            try {
                ref = new WriterRef(writerFactory.get().create(dump));
            } catch (DumpWriter.DumpDirectoryException e) {
                throw new FilterConfigException(path + ".dump.dir", dump.dir().toString(),
                        "a directory this proxy can dump into; " + e.getCause().getMessage());
            }
            writers.put(key, ref);
        } else {
            DumpConfig other = ref.writer.config();
            if (other.maxFileSize() != dump.maxFileSize() || other.maxFiles() != dump.maxFiles()
                    || other.maxTotalSize() != dump.maxTotalSize() || other.format() != dump.format()
                    || other.queueCapacity() != dump.queueCapacity() || other.maxBytesPerSecond() != dump.maxBytesPerSecond()
                    || other.maxBufferedBytes() != dump.maxBufferedBytes()
                    || !io.ferry.tcpcopy.dump.sink.SinkSpec.sameSinks(other.sinks(), dump.sinks())) {
                throw new FilterConfigException(path + ".dump", dump.dir().toString(),
                        "a dump dir of its own, or the same max_file_size, max_files, max_total_size, format, "
                                + "queue_capacity, max_bytes_per_second, max_buffered_bytes and sinks as the other "
                                + "tcpcopy filter dumping there");
            }
        }
        ref.users++;
        return ref.writer;
    }

    /**
     * One user less for {@code writer}; the last one closes it. The close (which waits for the writer and its sinks to
     * finish, up to seconds) runs outside this object's monitor, so that another listener's start, a strategy change
     * or the admin API never waits for it.
     */
    void releaseWriter(DumpWriter writer) {
        synchronized (this) {
            Path key = writer.dir().toAbsolutePath().normalize();
            WriterRef ref = writers.get(key);
            if (ref == null || ref.writer != writer || --ref.users > 0) {
                return;
            }
            writers.remove(key);
        }
        writer.close();
    }

    /** The writers in use, for tests and the admin view. */
    synchronized List<DumpWriter> writers() {
        List<DumpWriter> l = new ArrayList<>();
        for (WriterRef r : writers.values()) {
            l.add(r.writer);
        }
        return l;
    }
}
