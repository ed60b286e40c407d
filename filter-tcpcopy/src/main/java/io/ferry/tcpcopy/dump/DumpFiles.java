package io.ferry.tcpcopy.dump;

import io.ferry.dump.format.FerryFormat;
import io.ferry.dump.format.LayottoFormat;
import io.ferry.dump.format.pcapng.PcapngWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dump files of one directory: rotation, a cap on their total size, owner-only files that cannot be hijacked,
 * and writes that never leave a torn record in front of later ones. Used by the writer thread only.
 *
 * <ul>
 *   <li><b>Rotation.</b> A file is rotated before a record would take it past {@code maxFileSize}: {@code name}
 *       becomes {@code name.1}, {@code name.1} becomes {@code name.2}, …, and {@code name.<maxFiles>} is deleted.
 *       Files with a header (Ferry, pcapng) start with it, each rotated file too. A process starts its own Ferry and
 *       pcapng files: one it finds from an earlier run (another proxy instance) is rotated away first.</li>
 *   <li><b>Total size.</b> Before a record would take all dump files of the directory past {@code maxTotalSize}, the
 *       oldest rotated files are deleted; if that is not enough (or a record is larger than a whole file), the record
 *       is refused ({@link Append#CAP}).</li>
 *   <li><b>Safety.</b> The directory is created owner-only ({@code rwx------}); a system directory, or one that is
 *       world-writable without the sticky bit, is refused. Files are created owner-only ({@code rw-------}) and opened
 *       without following symbolic links; an existing dump file that is a link, is not a regular file, belongs to
 *       another user or is readable or writable by others is refused, and nothing is written through it. One process
 *       at a time: the directory's {@code .ferry-dump.lock} is locked while the files are open.</li>
 *   <li><b>Whole records.</b> Appends go to a buffer per file and reach the disk on {@link #flush()}. After a failed
 *       write, {@link #recover()} cuts every file back to its size at the last successful flush, so the bytes of a
 *       record are on disk whole or not at all; a file that was removed meanwhile is started anew.</li>
 * </ul>
 */
final class DumpFiles implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DumpFiles.class);

    /**
     * The outcome of {@link #append}: buffered ({@code WRITTEN}); written to the file at once because it is larger than
     * a buffer ({@code WRITTEN_DIRECT}); not done because buffered bytes must reach the disk first, for a rotation or
     * a record that does not fit the buffer ({@code FLUSH_FIRST}: {@link #flush()}, then append again); refused by
     * the caps ({@code CAP}).
     */
    enum Append { WRITTEN, WRITTEN_DIRECT, FLUSH_FIRST, CAP }

    static final String LOCK_FILE = ".ferry-dump.lock";
    private static final Set<String> NAMES =
            Set.of(LayottoFormat.TCP_COPY_FILE, LayottoFormat.PORTRAIT_FILE, LayottoFormat.MEM_DUMP_FILE,
                    FerryFormat.FILE, PcapngWriter.FILE);
    /** Files that belong to one process and start with a header. */
    private static final Set<String> HEADED = Set.of(FerryFormat.FILE, PcapngWriter.FILE);
    /** Directories a dump never goes to (and nothing under the virtual file systems). */
    private static final Set<String> SYSTEM_DIRS = Set.of("/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32",
            "/lib64", "/libx32", "/opt", "/proc", "/run", "/sbin", "/srv", "/sys", "/usr", "/var", "/home",
            "/usr/bin", "/usr/lib", "/usr/local", "/usr/sbin", "/var/lib", "/var/log");
    private static final int BUFFER = 64 * 1024;

    private final Path dir;
    private final long maxFileSize;
    private final int maxFiles;
    private final long maxTotalSize;
    private final boolean posix;
    private final Map<String, byte[]> headers;
    private final Map<String, Out> files = new LinkedHashMap<>();
    private final Map<String, Boolean> started = new HashMap<>();
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** This process's user: the owner of the lock file it opened. */
    private final UserPrincipal self;
    private long totalSize;

    /** One open file: its channel, its size on disk at the last successful flush, and what waits in its buffer. */
    private static final class Out {
        final Path path;
        final FileChannel channel;
        final Object key;
        final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
        /** The size on disk. */
        long committed;
        /** The size on disk at the last flush that succeeded for every file: what a failure cuts back to. */
        long stable;

        Out(Path path, FileChannel channel, Object key, long size) {
            this.path = path;
            this.channel = channel;
            this.key = key;
            this.committed = size;
            this.stable = size;
        }

        long size() {
            return committed + buffer.position();
        }
    }

    /**
     * Opens the dump directory: checks it, creates it if needed (owner-only), takes its lock and measures the dump
     * files already in it.
     *
     * @param headers the header of each headed file ({@link FerryFormat#FILE}, {@link PcapngWriter#FILE}) as this
     *                process writes it
     * @throws IOException saying why the directory cannot be used
     */
    DumpFiles(Path dir, long maxFileSize, int maxFiles, long maxTotalSize, Map<String, byte[]> headers)
            throws IOException {
        this.dir = dir.toAbsolutePath().normalize();
        this.maxFileSize = maxFileSize;
        this.maxFiles = maxFiles;
        this.maxTotalSize = maxTotalSize;
        this.headers = Map.copyOf(headers);
        this.posix = supportsPosix(this.dir);
        checkDirectory(this.dir);
        if (!Files.isDirectory(this.dir, LinkOption.NOFOLLOW_LINKS)) {
            if (posix) {
                Files.createDirectories(this.dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(this.dir);
            }
        }
        if (!Files.isWritable(this.dir)) {
            throw new IOException("the directory is not writable by this process");
        }
        Path lockPath = this.dir.resolve(LOCK_FILE);
        FileChannel lc = FileChannel.open(lockPath, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), ownerOnly());
        FileLock l;
        try {
            l = lc.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            lc.close();
            throw new IOException("another Ferry process dumps into it (" + lockPath.getFileName() + " is locked); "
                    + "give each proxy a dump directory of its own");
        }
        this.lockChannel = lc;
        this.lock = l;
        this.self = posix ? Files.getOwner(lockPath, LinkOption.NOFOLLOW_LINKS) : null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(this.dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (isDumpFile(name)) {
                    checkFile(p);
                    totalSize += Files.size(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Refuses a directory that must not hold dumps (the reason is the message). */
    static void checkDirectory(Path dir) throws IOException {
        Path real = dir;
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null) {
            real = existing.toRealPath().resolve(existing.relativize(dir));
        }
        String s = real.toString();
        if (SYSTEM_DIRS.contains(s) || s.startsWith("/proc/") || s.startsWith("/sys/") || s.startsWith("/dev/")) {
            throw new IOException(s + " is a system directory; a dump holds payloads and credentials and needs a "
                    + "directory of its own");
        }
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("it is a symbolic link (to " + real + "); give the directory itself");
        }
        if (Files.exists(dir) && supportsPosix(dir)) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("it is not a directory");
            }
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> p = a.permissions();
            if (p.contains(PosixFilePermission.OTHERS_WRITE) && !sticky(dir)) {
                throw new IOException("it is writable by every user (mode "
                        + PosixFilePermissions.toString(p) + ") without the sticky bit: another user could plant or "
                        + "replace dump files; use a directory only this user can write");
            }
        }
    }

    private static boolean sticky(Path dir) {
        try {
            Object mode = Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer m && (m & 01000) != 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Refuses an existing dump file that could have been planted: a link, not ours, or open to others. */
    private void checkFile(Path p) throws IOException {
        BasicFileAttributes b = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (b.isSymbolicLink()) {
            throw new IOException(p + " is a symbolic link; dump files are never written through links (remove it)");
        }
        if (!b.isRegularFile()) {
            throw new IOException(p + " is not a regular file (remove it)");
        }
        if (!posix) {
            return;
        }
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        UserPrincipal owner = a.owner();
        if (self != null && !owner.equals(self)) {
            throw new IOException(p + " belongs to " + owner.getName() + ", not to " + self.getName()
                    + " (expected: a file this user created; remove it)");
        }
        Set<PosixFilePermission> perms = a.permissions();
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(p + " has mode " + PosixFilePermissions.toString(perms)
                    + " (expected: rw------- ; others may write into it, so what it holds cannot be trusted; remove it"
                    + " or chmod 600 it)");
        }
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                || perms.contains(PosixFilePermission.GROUP_EXECUTE)
                || perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
            // ours and only readable by others (as Layotto and umask 022 leave files): captured bytes are private
            Set<PosixFilePermission> own = PosixFilePermissions.fromString("rw-------");
            Files.setPosixFilePermissions(p, own);
            LOG.warn("{} had mode {}; set to rw------- (captured bytes are readable by their owner only)", p,
                    PosixFilePermissions.toString(perms));
        }
    }

    private static boolean supportsPosix(Path dir) {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            return p != null && Files.getFileStore(p).supportsFileAttributeView("posix");
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isDumpFile(String fileName) {
        for (String n : NAMES) {
            if (fileName.equals(n) || (fileName.startsWith(n + ".") && isNumber(fileName.substring(n.length() + 1)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The current size of {@code name} (with what is buffered), 0 if it does not exist yet. */
    long size(String name) throws IOException {
        return out(name).size();
    }

    long totalSize() {
        return totalSize;
    }

    /** True if some bytes wait in a buffer. */
    boolean dirty() {
        for (Out o : files.values()) {
            if (o.buffer.position() > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Appends {@code record[0, length)} to {@code name}, rotating and deleting old files as needed. The bytes reach the
     * disk on {@link #flush()}, and only then: whatever is on disk when a write fails was flushed, so the caller knows
     * which records it holds.
     *
     * @return what was done (see {@link Append})
     * @throws IOException a write failed; call {@link #recover()}
     */
    Append append(String name, byte[] record, int length) throws IOException {
        byte[] header = headers.get(name);
        int headerLen = header == null ? 0 : header.length;
        if (length + headerLen > maxFileSize) {
            return Append.CAP;
        }
        Out out = out(name);
        boolean rotate = out.size() + length > maxFileSize;
        if ((rotate || length > out.buffer.remaining()) && dirty()) {
            return Append.FLUSH_FIRST;     // nothing reaches the disk between two flushes of the caller's
        }
        if (rotate) {
            rotate(name);
            out = out(name);
        }
        while (totalSize + length > maxTotalSize) {
            if (!deleteOldestRotated()) {
                return Append.CAP;
            }
        }
        totalSize += length;
        if (length > out.buffer.remaining()) {
            drain(out);                    // the new file's header
            writeFully(out.channel, ByteBuffer.wrap(record, 0, length));
            out.committed += length;
            return Append.WRITTEN_DIRECT;
        }
        out.buffer.put(record, 0, length);
        return Append.WRITTEN;
    }

    /**
     * Writes every buffer to its file. On success every byte appended so far is on disk (in the kernel: a crash of
     * the process loses nothing written); on failure call {@link #recover()}.
     */
    void flush() throws IOException {
        for (Out o : files.values()) {
            drain(o);
        }
        for (Out o : files.values()) {
            o.stable = o.committed;
        }
    }

    private void drain(Out o) throws IOException {
        if (o.buffer.position() == 0) {
            return;
        }
        o.buffer.flip();
        writeFully(o.channel, o.buffer);
        o.committed += o.buffer.limit();
        o.buffer.clear();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * After a failed write: every file is cut back to its size at the last flush that succeeded for every file (the
     * buffered records are dropped), so no torn record stays in front of later ones, and the files agree with each
     * other on which records are in. A file that can no longer be cut back (it was
     * removed or replaced) is closed; the next record starts it anew.
     *
     * @return what was done, for the log
     */
    String recover() {
        StringBuilder done = new StringBuilder();
        for (var it = files.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Out o = e.getValue();
            totalSize -= o.buffer.position();
            o.buffer.clear();
            try {
                if (!sameFile(o)) {
                    throw new NoSuchFileException(o.path.toString(), null, "removed or replaced");
                }
                long size = o.channel.size();
                if (size > o.stable) {
                    o.channel.truncate(o.stable);
                    totalSize -= size - o.stable;
                    done.append(done.length() == 0 ? "" : "; ").append(e.getKey()).append(" cut back from ")
                            .append(size).append(" to ").append(o.stable).append(" bytes");
                }
                o.committed = o.stable;
            } catch (IOException ex) {
                closeQuietly(o);
                it.remove();
                done.append(done.length() == 0 ? "" : "; ").append(e.getKey()).append(" ").append(ex.getMessage())
                        .append(": a new file is started");
            }
        }
        return done.toString();
    }

    /** True if the file {@code o} has open is still the one at its path. */
    private static boolean sameFile(Out o) {
        try {
            Object key = Files.readAttributes(o.path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return key == null || key.equals(o.key);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Checks that every open file is still in the directory; one that was removed or replaced is closed (the next
     * record starts a new file). Returns the names of the files that were gone.
     */
    List<String> checkGone() {
        List<String> gone = new java.util.ArrayList<>();
        for (var it = files.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!sameFile(e.getValue())) {
                closeQuietly(e.getValue());
                it.remove();
                gone.add(e.getKey());
            }
        }
        return gone;
    }

    private Out out(String name) throws IOException {
        Out out = files.get(name);
        if (out != null) {
            return out;
        }
        Path p = dir.resolve(name);
        byte[] header = headers.get(name);
        if (HEADED.contains(name) && started.putIfAbsent(name, true) == null
                && Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            checkFile(p);
            rotate(name);                  // an earlier run's file: this process starts its own
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(p, options(true), ownerOnly());
        } catch (FileAlreadyExistsException e) {
            checkFile(p);
            ch = FileChannel.open(p, options(false));
        }
        Object key = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        long size = ch.size();
        out = new Out(p, ch, key, size);
        files.put(name, out);
        if (header != null && size == 0) {
            out.buffer.put(header);
            totalSize += header.length;
        }
        return out;
    }

    private static Set<OpenOption> options(boolean createNew) {
        return createNew
                ? Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                        LinkOption.NOFOLLOW_LINKS)
                : Set.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
    }

    private FileAttribute<?>[] ownerOnly() {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))} : new FileAttribute<?>[0];
    }

    private void rotate(String name) throws IOException {
        Out out = files.remove(name);
        if (out != null) {
            drain(out);
            out.channel.close();
        }
        Path last = dir.resolve(name + "." + maxFiles);
        if (Files.exists(last, LinkOption.NOFOLLOW_LINKS)) {
            totalSize -= Files.size(last);
            Files.delete(last);
        }
        for (int i = maxFiles - 1; i >= 1; i--) {
            Path from = dir.resolve(name + "." + i);
            if (Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(from, dir.resolve(name + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING,
                        LinkOption.NOFOLLOW_LINKS);
            }
        }
        Path current = dir.resolve(name);
        if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(current, dir.resolve(name + ".1"), StandardCopyOption.REPLACE_EXISTING,
                    LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** Deletes the oldest rotated file (the highest index; across files, the least recently modified). */
    private boolean deleteOldestRotated() throws IOException {
        Path victim = null;
        long victimTime = Long.MAX_VALUE;
        for (String name : NAMES) {
            for (int i = maxFiles; i >= 1; i--) {
                Path p = dir.resolve(name + "." + i);
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    long t = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
                    if (t < victimTime) {
                        victim = p;
                        victimTime = t;
                    }
                    break;
                }
            }
        }
        if (victim == null) {
            return false;
        }
        totalSize -= Files.size(victim);
        Files.delete(victim);
        return true;
    }

    private static void closeQuietly(Out o) {
        try {
            o.channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Flushes what it can, closes the files and releases the directory's lock. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Out o : files.values()) {
            try {
                drain(o);
            } catch (IOException e) {
                first = first == null ? e : first;
            }
            try {
                o.channel.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        files.clear();
        try {
            if (lock != null) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }
}
