package io.ferry.tcpcopy.dump;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The dump files of one directory, with size rotation and a cap on their total size. Used by the writer thread only.
 *
 * <ul>
 *   <li>A file is rotated before a line would take it past {@code maxFileSize}: {@code name} becomes
 *       {@code name.1}, {@code name.1} becomes {@code name.2}, …, and {@code name.<maxFiles>} is deleted.</li>
 *   <li>Before a line would take all dump files of the directory (current and rotated) past {@code maxTotalSize},
 *       the oldest rotated files are deleted; if that is not enough (or a line is larger than a whole file), the line
 *       is refused and the caller drops it with reason {@code size_cap}.</li>
 *   <li>Files and the directory are created owner-only ({@code rw-------}, {@code rwx------}) where the file system
 *       supports POSIX permissions: they hold payloads and credentials.</li>
 * </ul>
 */
final class DumpFiles implements AutoCloseable {

    private static final Set<String> NAMES =
            Set.of(LayottoFormat.TCP_COPY_FILE, LayottoFormat.PORTRAIT_FILE, LayottoFormat.MEM_DUMP_FILE,
                    io.ferry.tcpcopy.record.FerryFormat.FILE, io.ferry.tcpcopy.pcapng.PcapngWriter.FILE);
    /** Files that start with a header: written first into every new or empty file (so each rotated file has it). */
    private static final Map<String, byte[]> HEADERS =
            Map.of(io.ferry.tcpcopy.record.FerryFormat.FILE, io.ferry.tcpcopy.record.FerryFormat.header(),
                    io.ferry.tcpcopy.pcapng.PcapngWriter.FILE, io.ferry.tcpcopy.pcapng.PcapngWriter.fileHeader());

    private final Path dir;
    private final long maxFileSize;
    private final int maxFiles;
    private final long maxTotalSize;
    private final boolean posix;
    private final Map<String, OutputStream> streams = new HashMap<>();
    private final Map<String, Long> sizes = new HashMap<>();
    private long totalSize;

    /**
     * Creates the directory if needed (owner-only) and measures the dump files already in it.
     *
     * @throws IOException if the directory cannot be created or read
     */
    DumpFiles(Path dir, long maxFileSize, int maxFiles, long maxTotalSize) throws IOException {
        this.dir = dir;
        this.maxFileSize = maxFileSize;
        this.maxFiles = maxFiles;
        this.maxTotalSize = maxTotalSize;
        this.posix = supportsPosix(dir);
        if (!Files.isDirectory(dir)) {
            if (posix) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("directory " + dir + " is not writable");
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (isDumpFile(p.getFileName().toString())) {
                    totalSize += Files.size(p);
                }
            }
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

    /** The current size of {@code name}, 0 if it does not exist. */
    long size(String name) throws IOException {
        stream(name);
        return sizes.get(name);
    }

    long totalSize() {
        return totalSize;
    }

    /**
     * Appends {@code line} to {@code name}, rotating and deleting as needed.
     *
     * @return false if the line does not fit under the caps (the caller drops it as {@code size_cap})
     */
    boolean append(String name, byte[] line) throws IOException {
        return append(name, line, line.length);
    }

    /** Appends {@code line[0, length)}; see {@link #append(String, byte[])}. */
    boolean append(String name, byte[] line, int length) throws IOException {
        byte[] header = HEADERS.get(name);
        int headerLen = header == null ? 0 : header.length;
        if (length + headerLen > maxFileSize) {
            return false;
        }
        OutputStream out = stream(name);
        if (sizes.get(name) + length > maxFileSize) {
            rotate(name);
            out = stream(name);
        }
        int needed = length + (header != null && sizes.get(name) == 0 ? headerLen : 0);
        while (totalSize + needed > maxTotalSize) {
            if (!deleteOldestRotated()) {
                return false;
            }
        }
        if (header != null && sizes.get(name) == 0) {
            out.write(header);
            sizes.put(name, (long) headerLen);
            totalSize += headerLen;
        }
        out.write(line, 0, length);
        sizes.merge(name, (long) length, Long::sum);
        totalSize += length;
        return true;
    }

    void flush() throws IOException {
        for (OutputStream out : streams.values()) {
            out.flush();
        }
    }

    private OutputStream stream(String name) throws IOException {
        OutputStream out = streams.get(name);
        if (out == null) {
            Path p = dir.resolve(name);
            if (!Files.exists(p)) {
                try {
                    Files.createFile(p, ownerOnly());
                } catch (FileAlreadyExistsException ignored) {
                    // created concurrently by another process: append to it
                }
            }
            out = new BufferedOutputStream(Files.newOutputStream(p, StandardOpenOption.WRITE, StandardOpenOption.APPEND), 64 * 1024);
            streams.put(name, out);
            sizes.put(name, Files.size(p));
        }
        return out;
    }

    private FileAttribute<?>[] ownerOnly() {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    private void rotate(String name) throws IOException {
        OutputStream out = streams.remove(name);
        out.close();
        Path last = dir.resolve(name + "." + maxFiles);
        if (Files.exists(last)) {
            totalSize -= Files.size(last);
            Files.delete(last);
        }
        for (int i = maxFiles - 1; i >= 1; i--) {
            Path from = dir.resolve(name + "." + i);
            if (Files.exists(from)) {
                Files.move(from, dir.resolve(name + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(dir.resolve(name), dir.resolve(name + ".1"), StandardCopyOption.REPLACE_EXISTING);
        sizes.remove(name);
    }

    /** Deletes the oldest rotated file (the highest index; across files, the least recently modified). */
    private boolean deleteOldestRotated() throws IOException {
        Path victim = null;
        long victimTime = Long.MAX_VALUE;
        for (String name : NAMES) {
            for (int i = maxFiles; i >= 1; i--) {
                Path p = dir.resolve(name + "." + i);
                if (Files.exists(p)) {
                    long t = Files.getLastModifiedTime(p).toMillis();
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

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (OutputStream out : streams.values()) {
            try {
                out.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        streams.clear();
        if (first != null) {
            throw first;
        }
    }
}
